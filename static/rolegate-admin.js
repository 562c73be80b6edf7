/* Copy buttons and confirmations on the GPT connection page; served by the portal, no dependencies. */
(function () {
  "use strict";
  function announce(text) {
    var status = document.querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }
  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  function copyText(text) {
    // The Clipboard API needs a secure context and a focused page; fall back to a selection.
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var label = button.getAttribute("aria-label").replace(/^Copy /, "");
      copyText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
        button.classList.add("copied");
        announce(label + " copied.");
        setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 1800);
      }, function () {
        window.getSelection().selectAllChildren(source);
        announce("Press Ctrl+C (or ⌘C) to copy the selected " + label + ".");
      });
      return;
    }
    var confirming = event.target.closest("[data-confirm]");
    if (confirming && !window.confirm(confirming.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
