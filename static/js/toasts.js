// Toasts about points and badges leave by themselves after a while; the × button closes one sooner.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "toasts") return;
  for (const toast of event.detail.target.querySelectorAll(".toast:not([data-timed])")) {
    toast.dataset.timed = "1";
    setTimeout(() => toast.remove(), 8000);
  }
});

// The × button (data-dismiss-toast): a listener here, as the Content-Security-Policy refuses onclick=.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-dismiss-toast]") : null;
  if (button) button.closest(".toast")?.remove();
});
