// Shows the time left on a timed attempt. The server enforces the limit; this only informs, and
// submits the attempt when the clock reaches zero so the learner sees their result at once.
(function () {
  function tick(element) {
    var deadline = Date.parse(element.dataset.countdown);
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = String(left % 60).padStart(2, "0");
    element.textContent = minutes + ":" + seconds;
    if (left === 0) {
      var form = document.getElementById(element.dataset.submitForm);
      if (form && !form.dataset.submitted) {
        form.dataset.submitted = "true";
        form.submit();
      }
      return;
    }
    setTimeout(function () { tick(element); }, 1000);
  }
  function start(root) {
    root.querySelectorAll("[data-countdown]:not([data-counting])").forEach(function (element) {
      element.dataset.counting = "true";
      tick(element);
    });
  }
  start(document);
  // Moving between questions swaps the attempt in with htmx, countdown included.
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
