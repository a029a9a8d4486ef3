// Lesson videos: Space/K and the arrow keys while the player has focus, and, for a video whose block
// completes the lesson, a report of how much the learner has watched. The server decides what counts;
// this only reports what the browser saw played (seeking ahead does not count as watching).
(function () {
  if (window.learnwellVideoPlayers) {
    // Loaded again by an htmx swap that brought new players: set up only those.
    window.learnwellVideoPlayers.start(document);
    return;
  }

  // Django's JavaScript catalogue (/jsi18n/) defines gettext; without it the player still works, in English.
  var gettext = window.gettext || function (text) { return text; };

  var REPORT_EVERY_MS = 15000;
  var SEEK_SECONDS = 5;
  var started = new WeakSet(); // not a data attribute: htmx history snapshots would carry it over

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function watchedPercent(video) {
    if (!video.duration || !isFinite(video.duration)) return 0;
    var seconds = 0;
    for (var i = 0; i < video.played.length; i++) seconds += video.played.end(i) - video.played.start(i);
    return Math.min(100, Math.round((seconds / video.duration) * 1000) / 10);
  }

  function handleKeys(figure, video) {
    // Only while the video itself has focus: in its native controls (mute, volume, timeline) the keys
    // keep their own meaning. Listening in the capture phase on the wrapper runs before the browser's
    // own listeners on the video, so stopping the event here keeps Space from toggling twice.
    function ours(event) {
      return event.target === video && video.matches(":focus") && !(event.altKey || event.ctrlKey || event.metaKey);
    }
    figure.addEventListener("keydown", function (event) {
      if (!ours(event)) return;
      var key = event.key;
      if (key === " " || key === "k" || key === "K") {
        if (video.paused || video.ended) {
          var playing = video.play();
          if (playing) playing.catch(function () { /* the browser refused; its controls still work */ });
        } else {
          video.pause();
        }
      } else if (key === "ArrowLeft") {
        video.currentTime = Math.max(0, video.currentTime - SEEK_SECONDS);
      } else if (key === "ArrowRight") {
        video.currentTime = Math.min(video.duration || Infinity, video.currentTime + SEEK_SECONDS);
      } else {
        return;
      }
      event.preventDefault(); // Space and the arrows would scroll the page
      event.stopPropagation();
    }, true);
    // Chromium toggles a focused video on Space's keyup too, whatever keydown did.
    ["keyup", "keypress"].forEach(function (type) {
      figure.addEventListener(type, function (event) {
        if (event.key === " " && ours(event)) {
          event.preventDefault();
          event.stopPropagation();
        }
      }, true);
    });
  }

  function reportProgress(figure, video) {
    var url = figure.dataset.progressUrl;
    var completeAt = Number(figure.dataset.completeAt);
    var status = figure.querySelector("[data-video-status]");
    var lastSent = 0;
    var done = false;
    var retry = null;

    function send() {
      if (done) return;
      lastSent = Date.now();
      var body = new URLSearchParams({ percent: String(watchedPercent(video)), asset: figure.dataset.asset });
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        keepalive: true,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      })
        .then(function (response) {
          if (response.status === 429 && !retry) {
            // Too soon after the last report: try once more when the server allows it.
            var wait = (Number(response.headers.get("Retry-After")) || 10) * 1000;
            retry = setTimeout(function () { retry = null; send(); }, wait);
            return null;
          }
          if (response.status === 403 || response.status === 400) done = true; // nothing to report here
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && data.completed) {
            done = true;
            if (status) status.textContent = gettext("Lesson completed: you watched enough of this video.");
            figure.dispatchEvent(new CustomEvent("lesson:video-completed", { bubbles: true }));
          }
        })
        .catch(function () { /* offline: the next report carries the same information */ });
    }

    video.addEventListener("play", function () {
      if (!lastSent) lastSent = Date.now(); // the first report after 15 s of watching, not at once
    });
    video.addEventListener("timeupdate", function () {
      if (!video.paused && Date.now() - lastSent >= REPORT_EVERY_MS) send();
    });
    video.addEventListener("ended", send);
    // Reaching the threshold between two reports should not wait for the next one (or for ended).
    video.addEventListener("pause", function () {
      if (!video.ended && watchedPercent(video) >= completeAt) send();
    });
  }

  function start(root) {
    root.querySelectorAll("[data-video-player]").forEach(function (figure) {
      var video = figure.querySelector("video");
      if (!video || started.has(video)) return;
      started.add(video);
      handleKeys(figure, video);
      if (figure.dataset.progressUrl && Number(figure.dataset.completeAt) > 0) reportProgress(figure, video);
    });
  }

  window.learnwellVideoPlayers = { start: start };
  start(document);
  // Lessons are swapped in with htmx (and restored from its history): set up the players they bring.
  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
})();
