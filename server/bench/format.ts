/** A figure as the bench prints it: grouped thousands, `digits` decimals. */
export const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
