// xtenant console: the one script. Copies a block's text to the clipboard
// (the "Copy as curl" button); every page works without it.
"use strict";
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("button[data-copy]");
  if (!btn) { return; }
  var src = document.getElementById(btn.getAttribute("data-copy"));
  var status = btn.parentElement.querySelector(".copied");
  if (!src || !navigator.clipboard) {
    if (status) { status.textContent = "Select the text and copy it."; }
    return;
  }
  navigator.clipboard.writeText(src.textContent).then(function () {
    if (status) { status.textContent = "Copied."; }
  }, function () {
    if (status) { status.textContent = "Could not copy: select the text and copy it."; }
  });
});
