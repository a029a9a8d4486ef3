// The browser knows the learner's time zone; streaks count their days from it. Kept out of the page so the
// Content-Security-Policy can forbid inline scripts.
(function () {
  var field = document.getElementById("id_time_zone");
  if (field) {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
})();
