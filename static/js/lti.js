// LTI pages inside an LMS frame (no inline script: the site's CSP forbids it).
// - Login: go on to the LMS only if this frame may keep cookies (the server set
//   a readable check cookie with this page); otherwise offer a new window.
// - Deep linking: post the signed answer back to the LMS at once.
(function () {
  "use strict";
  var next = document.querySelector("[data-lti-continue]");
  if (next) {
    var kept = document.cookie.split("; ").some(function (c) { return c.indexOf("lti1p3-cookie-check=") === 0; });
    if (kept) {
      window.location.replace(next.href);
    } else {
      var blocked = document.querySelector("[data-lti-blocked]");
      if (blocked) { blocked.hidden = false; }
    }
  }
  var answer = document.querySelector("form[data-lti-autosubmit]");
  if (answer) { answer.submit(); }
})();
