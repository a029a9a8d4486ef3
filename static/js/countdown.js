// Shows the time left on a timed attempt. The server enforces the limit; this only informs, and
// submits the attempt when the clock reaches zero so the learner sees their result at once.
//
// The visible clock changes every second, so it is not a live region (a screen reader would read it out
// every second). A separate, visually hidden polite region says the time left at a few moments only.
(function () {
  // Django's JavaScript catalogue (/jsi18n/) defines these; without it the clock still works, in English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (singular, plural, count) { return count === 1 ? singular : plural; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  // Seconds left at which the learner hears how long remains.
  var ANNOUNCE_AT = [300, 60];

  function announcement(left) {
    if (left === 0) return gettext("Time is up");
    var minutes = left / 60;
    return interpolate(ngettext("%(count)s minute left", "%(count)s minutes left", minutes), { count: minutes }, true);
  }

  function announcerFor(element) {
    var region = document.createElement("span");
    region.className = "sr-only";
    region.setAttribute("aria-live", "polite");
    region.setAttribute("data-countdown-announcer", "");
    element.insertAdjacentElement("afterend", region);
    return region;
  }

  function tick(element, region, before) {
    var deadline = Date.parse(element.dataset.countdown);
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = String(left % 60).padStart(2, "0");
    element.textContent = minutes + ":" + seconds;
    // Only a threshold crossed while the page is open: arriving with three minutes left says nothing.
    if (before !== null && left < before) {
      var crossed = left === 0 ? 0 : ANNOUNCE_AT.filter(function (at) { return left <= at && before > at; }).pop();
      if (crossed !== undefined) region.textContent = announcement(crossed);
    }
    if (left === 0) {
      var form = document.getElementById(element.dataset.submitForm);
      if (form && !form.dataset.submitted) {
        form.dataset.submitted = "true";
        form.submit();
      }
      return;
    }
    setTimeout(function () { tick(element, region, left); }, 1000);
  }
  function start(root) {
    root.querySelectorAll("[data-countdown]:not([data-counting])").forEach(function (element) {
      element.dataset.counting = "true";
      tick(element, announcerFor(element), null);
    });
  }
  start(document);
  // Moving between questions swaps the attempt in with htmx, countdown included.
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
