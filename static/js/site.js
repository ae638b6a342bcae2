// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // After a swapped-in result, move focus to it so keyboard and screen-reader
  // users land on what just changed (the target carries tabindex="-1").
  const focusTarget = event.detail.target.querySelector("[data-focus-after-swap]") || null;
  if (focusTarget) {
    focusTarget.focus();
  }
});
