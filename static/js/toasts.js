// Toasts about points and badges leave by themselves after a while; the × button closes one sooner. The
// container is a polite live region and every toast a role="status": a screen reader says them without the
// focus moving, so nothing here ever focuses a toast.
(() => {
  const lessMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // Fades the toast out (assets/tailwind.css) unless the reader asked for less motion, then removes it.
  function dismiss(toast) {
    if (lessMotion.matches || !toast.isConnected) {
      toast.remove();
      return;
    }
    toast.classList.add("toast-leaving");
    toast.addEventListener("animationend", () => toast.remove(), { once: true });
    setTimeout(() => toast.remove(), 500); // no animation ran (hidden tab, CSS missing): gone all the same
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "toasts") return;
    for (const toast of event.detail.target.querySelectorAll(".toast:not([data-timed])")) {
      toast.dataset.timed = "1";
      setTimeout(() => dismiss(toast), 8000);
    }
  });

  // The × button (data-dismiss-toast): a listener here, as the Content-Security-Policy refuses onclick=.
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-dismiss-toast]") : null;
    const toast = button?.closest(".toast");
    if (toast) dismiss(toast);
  });
})();
