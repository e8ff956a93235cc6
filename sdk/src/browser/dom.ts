// One name each for the globals the core script uses everywhere: fewer bytes once minified.
export const w = window as Window & Record<string, any>
export const d = document
