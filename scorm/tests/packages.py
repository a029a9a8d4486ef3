"""Small SCORM packages built in memory for the tests: a manifest of either version and a launch page whose
script drives the run-time API as a real package would."""

import io
import zipfile

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test-12" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>Test</title>
      <item identifier="item1" identifierref="sco1"><title>Lesson</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco1" type="webcontent" adlcp:scormtype="sco" href="{launch}">
      <file href="{launch}"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test-2004" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>Test</title>
      <item identifier="item1" identifierref="sco1"><title>Lesson</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco1" type="webcontent" adlcp:scormType="sco" href="{launch}">
      <file href="{launch}"/>
    </resource>
  </resources>
</manifest>
"""

# The launch page: finds the API in a parent window, resumes from suspend_data, reports a score and a
# completed status, commits and finishes. Its visible text says what it did, for the browser test.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Package</title><link rel="stylesheet" href="css/style.css"></head>
<body><p id="out">starting</p>
<script src="js/package.js"></script>
</body></html>
"""

SCRIPT_12 = """
(function () {
  function find(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API) return win.API;
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api = find(window.parent), out = document.getElementById("out");
  if (!api) { out.textContent = "no api"; return; }
  api.LMSInitialize("");
  var before = api.LMSGetValue("cmi.suspend_data");
  api.LMSSetValue("cmi.core.score.raw", "85");
  api.LMSSetValue("cmi.core.score.min", "0");
  api.LMSSetValue("cmi.core.score.max", "100");
  api.LMSSetValue("cmi.core.lesson_status", "passed");
  api.LMSSetValue("cmi.suspend_data", "page=3");
  api.LMSSetValue("cmi.core.exit", "suspend");
  api.LMSSetValue("cmi.core.session_time", "00:01:30");
  api.LMSCommit("");
  api.LMSFinish("");
  out.textContent = "done 1.2; resumed from [" + before + "]";
})();
"""

SCRIPT_2004 = """
(function () {
  function find(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API_1484_11) return win.API_1484_11;
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api = find(window.parent), out = document.getElementById("out");
  if (!api) { out.textContent = "no api"; return; }
  api.Initialize("");
  var before = api.GetValue("cmi.suspend_data");
  var entry = api.GetValue("cmi.entry");
  api.SetValue("cmi.score.scaled", "0.9");
  api.SetValue("cmi.score.raw", "90");
  api.SetValue("cmi.success_status", "passed");
  api.SetValue("cmi.completion_status", "completed");
  api.SetValue("cmi.suspend_data", "page=7");
  api.SetValue("cmi.exit", "suspend");
  api.SetValue("cmi.session_time", "PT1M5S");
  api.Commit("");
  api.Terminate("");
  out.textContent = "done 2004; entry " + entry + "; resumed from [" + before + "]";
})();
"""


def build(
    version: str = "1.2",
    *,
    launch: str = "index.html",
    files: dict[str, bytes | None] | None = None,
    manifest: str | bytes | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip of the manifest (given, or the version's with `launch`), the launch page and its script, and
    `files` added or replacing them (None as a value leaves a file out)."""
    if manifest is None:
        manifest = (MANIFEST_12 if version == "1.2" else MANIFEST_2004).format(launch=launch)
    members: dict[str, bytes | None] = {
        "imsmanifest.xml": manifest.encode() if isinstance(manifest, str) else manifest,
        "index.html": PAGE.encode(),
        "js/package.js": (SCRIPT_12 if version == "1.2" else SCRIPT_2004).encode(),
        "css/style.css": b"body { font-family: sans-serif; }\n",
    }
    members.update(files or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(name, data)
    return buffer.getvalue()


def upload(data: bytes, name: str = "package.zip"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/zip")
