// Handing a file the dashboard fetched (ApiClient.stream) to the browser's downloads. A download is
// fetched through the API client rather than by a plain `<a download>` link: a link saves whatever
// answers, the error of an ended session too, as the file, and opens no sign-in dialog.

/** Hands the file at `url` (an object URL) to the browser's downloads, as a click on a download link would. */
export function saveFile(url: string, name: string) {
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
}
