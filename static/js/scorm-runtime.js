// The SCORM run-time API for the package framed in this lesson: window.API (SCORM 1.2) and
// window.API_1484_11 (SCORM 2004), which a package finds by walking up to window.parent. Values live here
// during the session; LMSCommit/Commit and LMSFinish/Terminate send what the package set to the server,
// which checks every element again and decides what counts (completion, score). The frame is loaded only
// once the stored state has arrived, so a package that resumes reads its suspend_data at Initialize.
(function () {
  var figure = document.querySelector("[data-scorm-player]");
  if (!figure || figure.dataset.scormStarted) return;
  figure.dataset.scormStarted = "1";

  var frame = figure.querySelector("iframe[data-scorm-src]");
  var status = figure.querySelector("[data-scorm-status]");
  var stateUrl = figure.getAttribute("data-state-url");
  var record = figure.hasAttribute("data-record");

  var values = {};
  var dirty = {};
  var version = "";
  var started = false;
  var finished = false;
  var lastError = "0";

  // The error strings a package may show its learner, in the learner's language (Django's JavaScript
  // catalogue, /jsi18n/); the codes, which packages act on, stay as the standards define them. Without the
  // catalogue the runtime still works, in English.
  var gettext = window.gettext || function (text) { return text; };

  var ERRORS_12 = {
    "0": gettext("No error"), "101": gettext("General exception"), "201": gettext("Invalid argument error"),
    "301": gettext("Not initialized"), "401": gettext("Not implemented error"), "403": gettext("Element is read only"),
    "404": gettext("Element is write only"), "405": gettext("Incorrect data type")
  };
  var ERRORS_2004 = {
    "0": gettext("No error"), "101": gettext("General exception"), "103": gettext("Already initialized"),
    "104": gettext("Content instance terminated"), "112": gettext("Termination before initialization"),
    "113": gettext("Termination after termination"), "122": gettext("Retrieve data before initialization"),
    "123": gettext("Retrieve data after termination"), "132": gettext("Store data before initialization"),
    "133": gettext("Store data after termination"), "142": gettext("Commit before initialization"),
    "143": gettext("Commit after termination"), "201": gettext("General argument error"), "301": gettext("General get failure"),
    "351": gettext("General set failure"), "391": gettext("General commit failure"), "401": gettext("Undefined data model element"),
    "403": gettext("Data model element value not initialized"), "404": gettext("Data model element is read only"),
    "405": gettext("Data model element is write only"), "406": gettext("Data model element type mismatch"),
    "407": gettext("Data model element value out of range")
  };
  var READ_ONLY = /^cmi\.(core\.(student_id|student_name|credit|entry|total_time|lesson_mode)|learner_id|learner_name|credit|entry|total_time|mode|launch_data|_version)$/;
  var WRITE_ONLY = /^cmi\.(core\.(exit|session_time)|exit|session_time)$/;
  var LIMITS = { "cmi.suspend_data": { "1.2": 4096, "2004": 64000 } };

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  // One request at a time, in order: a Finish must reach the server after the Commit before it.
  var queue = Promise.resolve();

  function post(body) {
    return fetch(stateUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: body.length < 60000,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          say(data.error || "");
          return;
        }
        if (data.lesson_completed) {
          say(figure.getAttribute("data-completed-text") || "");
          document.body.dispatchEvent(new CustomEvent("lms:scorm-completed", { bubbles: true }));
        }
      });
    }).catch(function () {
      say(figure.getAttribute("data-save-error-text") || "");
    });
  }

  function send(finish) {
    if (!record) return true;
    var body = JSON.stringify({ values: dirty, finish: !!finish });
    dirty = {};
    queue = queue.then(function () { return post(body); });
    return true;
  }

  function countOf(name) {
    // cmi.interactions._count and the like: how many entries of the collection have been set.
    var prefix = name.slice(0, -"_count".length);
    var highest = -1;
    Object.keys(values).forEach(function (key) {
      if (key.indexOf(prefix) === 0) {
        var index = parseInt(key.slice(prefix.length), 10);
        if (!isNaN(index) && index > highest) highest = index;
      }
    });
    return String(highest + 1);
  }

  function getValue(name, errors) {
    name = String(name);
    if (!started || finished) {
      lastError = version === "1.2" ? "301" : (finished ? "123" : "122");
      return "";
    }
    if (WRITE_ONLY.test(name)) {
      lastError = version === "1.2" ? "404" : "405";
      return "";
    }
    if (/\._count$/.test(name)) {
      lastError = "0";
      return countOf(name);
    }
    if (name === "cmi._version") {
      lastError = "0";
      return version === "1.2" ? "3.4" : "1.0";
    }
    if (Object.prototype.hasOwnProperty.call(values, name)) {
      lastError = "0";
      return values[name];
    }
    lastError = version === "1.2" ? (name.indexOf("cmi.") === 0 ? "0" : "201") : (name.indexOf("cmi.") === 0 ? "403" : "401");
    return "";
  }

  function setValue(name, value) {
    name = String(name);
    value = String(value);
    if (!started || finished) {
      lastError = version === "1.2" ? "301" : (finished ? "133" : "132");
      return "false";
    }
    if (READ_ONLY.test(name) || /\._(count|children)$/.test(name)) {
      lastError = version === "1.2" ? "403" : "404";
      return "false";
    }
    if (name.indexOf("cmi.") !== 0) {
      lastError = version === "1.2" ? "201" : "401";
      return "false";
    }
    var limit = LIMITS[name] && LIMITS[name][version];
    if (limit && value.length > limit) {
      lastError = version === "1.2" ? "405" : "407";
      return "false";
    }
    values[name] = value;
    dirty[name] = value;
    lastError = "0";
    return "true";
  }

  function initialize(arg) {
    if (started && !finished) {
      lastError = version === "1.2" ? "101" : "103";
      return "false";
    }
    if (finished) {
      lastError = version === "1.2" ? "101" : "104";
      return "false";
    }
    started = true;
    lastError = "0";
    return "true";
  }

  function commit() {
    if (!started || finished) {
      lastError = version === "1.2" ? "301" : (finished ? "143" : "142");
      return "false";
    }
    lastError = "0";
    return send(false) ? "true" : "false";
  }

  function finish() {
    if (!started || finished) {
      lastError = version === "1.2" ? "301" : (finished ? "113" : "112");
      return "false";
    }
    send(true);
    finished = true;
    lastError = "0";
    return "true";
  }

  function errorString(code) {
    var table = version === "1.2" ? ERRORS_12 : ERRORS_2004;
    return table[String(code)] || "";
  }

  window.API = {
    LMSInitialize: initialize,
    LMSFinish: finish,
    LMSGetValue: function (name) { return getValue(name); },
    LMSSetValue: setValue,
    LMSCommit: commit,
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: errorString,
    LMSGetDiagnostic: function (code) { return errorString(code || lastError); }
  };
  window.API_1484_11 = {
    Initialize: initialize,
    Terminate: finish,
    GetValue: function (name) { return getValue(name); },
    SetValue: setValue,
    Commit: commit,
    GetLastError: function () { return lastError; },
    GetErrorString: errorString,
    GetDiagnostic: function (code) { return errorString(code || lastError); }
  };

  fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(function (state) {
      version = state.version;
      values = state.values || {};
      frame.src = frame.getAttribute("data-scorm-src");
    })
    .catch(function () {
      say(figure.getAttribute("data-start-error-text") || "");
    });

  // A learner who leaves without the package finishing keeps what it set so far: by closing the page, or by
  // an htmx move to another lesson that takes the frame away.
  function keepUnsaved() {
    if (started && !finished && Object.keys(dirty).length) send(false);
  }
  window.addEventListener("pagehide", keepUnsaved);
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.contains(figure)) keepUnsaved();
  });
})();
