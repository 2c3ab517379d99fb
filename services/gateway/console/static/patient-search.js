// Patient search as you type. A short pause after typing, the Patients page of what is typed is
// fetched (the same page the Search button opens, so the form works as well without this
// script), its list replaces the one shown and its count goes to the live region, which screen
// readers announce. No inline script anywhere: the console's Content-Security-Policy forbids it.
(function () {
  "use strict";
  var PAUSE_MS = 300;
  var form = document.getElementById("patient-search");
  var count = document.getElementById("patient-count");
  if (!form || !count || !window.fetch || !window.DOMParser || !window.AbortController) {
    return;
  }
  var input = form.querySelector('input[name="q"]');
  var timer = null;
  var asked = 0;
  var pending = null;

  function address(q) {
    return form.action + (q ? "?" + new URLSearchParams({ q: q }).toString() : "");
  }

  function show(html, url, which) {
    if (which !== asked) {
      return; // a later search has been asked for since
    }
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById("patient-results");
    var said = page.getElementById("patient-count");
    if (!fresh || !said) {
      window.location.assign(url); // not the Patients page (signed out): open it as a page
      return;
    }
    document.getElementById("patient-results").replaceWith(document.adoptNode(fresh));
    count.textContent = said.textContent;
    window.history.replaceState(null, "", url);
  }

  function search() {
    var url = address(input.value.trim());
    asked += 1;
    var which = asked;
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    fetch(url, { credentials: "same-origin", signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) {
          show(html, url, which);
        });
      })
      .catch(function (error) {
        if (error.name !== "AbortError" && which === asked) {
          count.textContent = "The search could not be made. Press Search to try again.";
        }
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, PAUSE_MS);
  });
})();
