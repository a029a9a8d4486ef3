// The lesson player's outline (<details data-lesson-outline>): phones keep it closed so the lesson comes first,
// wide screens always show it (its summary is hidden there). After htmx brings another lesson, a phone closes
// it again, since the reader asked for that lesson, not for the list.
//
// An htmx navigation sends the new lesson's own outline entry, not the whole outline (which runs to a hundred
// kilobytes in a long course), so the mark of the current lesson is moved here: the entry of the lesson in
// #lesson-swap is current, every other one is not.
(function () {
  var wide = window.matchMedia("(min-width: 64rem)"); // Tailwind's lg, where the outline becomes a sidebar

  function outline() {
    return document.querySelector("details[data-lesson-outline]");
  }

  function fit() {
    var details = outline();
    if (details) details.open = wide.matches;
  }

  function markCurrent() {
    var lesson = document.getElementById("lesson-swap");
    if (!lesson) return;
    var current = lesson.getAttribute("data-lesson-id");
    var links = document.querySelectorAll("#lesson-outline a[data-lesson-id]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var isCurrent = link.getAttribute("data-lesson-id") === current;
      link.classList.toggle("outline-link-current", isCurrent);
      if (isCurrent) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  fit();
  wide.addEventListener("change", fit);
  document.addEventListener("htmx:afterSettle", markCurrent);
  // A history restore puts back the page as it was snapshotted, open or not.
  document.addEventListener("htmx:historyRestore", function () {
    fit();
    markCurrent();
  });
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var details = outline();
    if (details && !wide.matches) details.open = false;
  });
})();
