// The lesson player's outline (<details data-lesson-outline>): phones keep it closed so the lesson comes first,
// wide screens always show it (its summary is hidden there). After htmx brings another lesson, a phone closes
// it again, since the reader asked for that lesson, not for the list.
(function () {
  var wide = window.matchMedia("(min-width: 64rem)"); // Tailwind's lg, where the outline becomes a sidebar

  function outline() {
    return document.querySelector("details[data-lesson-outline]");
  }

  function fit() {
    var details = outline();
    if (details) details.open = wide.matches;
  }

  fit();
  wide.addEventListener("change", fit);
  // A history restore puts back the page as it was snapshotted, open or not.
  document.addEventListener("htmx:historyRestore", fit);
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var details = outline();
    if (details && !wide.matches) details.open = false;
  });
})();
