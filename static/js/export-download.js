// An analytics export that finishes while its panel is open downloads by itself, once: the panel that answers
// the last poll carries data-auto-download on its link (analytics/exports/admin_job.html). The button stays,
// for a browser that holds the download back.
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  if (!(root instanceof Element)) return;
  const links = root.matches("a[data-auto-download]") ? [root] : root.querySelectorAll("a[data-auto-download]");
  for (const link of links) {
    link.removeAttribute("data-auto-download");
    link.click();
  }
});
