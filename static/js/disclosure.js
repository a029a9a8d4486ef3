// Disclosure buttons: <button data-disclosure aria-controls="panel-id" aria-expanded="false"> shows and hides
// <div id="panel-id" data-collapsible="lg|md">. The panel folds away only below that breakpoint and only on a
// page this script has marked with the "js" class (assets/tailwind.css), so without scripts everything stays
// in view and the button, which could do nothing, is not shown. Loaded in <head> without defer so the class
// is set before the first paint and a phone never sees the open menu flash by.
document.documentElement.classList.add("js");

(function () {
  function panelOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    const panel = panelOf(button);
    if (!panel) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.toggleAttribute("data-open", open);
  }

  function openButtons() {
    return document.querySelectorAll('[data-disclosure][aria-expanded="true"]');
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target ? target.closest("[data-disclosure]") : null;
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    // The site menu closes when the learner clicks elsewhere on the page, as menus do; the filters stay open.
    for (const open of openButtons()) {
      const panel = panelOf(open);
      if (open.hasAttribute("data-close-outside") && panel && target && !panel.contains(target)) {
        setOpen(open, false);
      }
    }
  });

  // Escape closes the disclosure that holds the focus and gives the focus back to its button, so a keyboard
  // user is not left inside a panel that has vanished.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !(event.target instanceof Node)) return;
    for (const open of openButtons()) {
      const panel = panelOf(open);
      if (open === event.target || (panel && panel.contains(event.target))) {
        setOpen(open, false);
        open.focus();
        event.preventDefault();
        return;
      }
    }
  });
})();
