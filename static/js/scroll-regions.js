// Progressive enhancement: wide data tables scroll sideways inside .table-responsive on narrow
// screens. A region that scrolls must be reachable with the keyboard (WCAG 2.1.1; axe
// "scrollable-region-focusable"), so while a wrapper overflows it becomes a focusable region
// named after its table's caption; once the table fits again it leaves the tab order, so wide
// screens get no extra Tab stops. Without this file Chromium and Firefox still let the keyboard
// scroll such a region; Safari does not.
(() => {
  if (!("ResizeObserver" in window)) {
    return;
  }
  const MARK = "data-scroll-region";
  const update = (wrapper) => {
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    if (scrolls && !wrapper.hasAttribute(MARK)) {
      if (wrapper.hasAttribute("tabindex")) {
        return; // the template made it focusable itself
      }
      const caption = wrapper.querySelector("caption");
      wrapper.setAttribute(MARK, "");
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", `${caption ? caption.textContent.trim() : "Table"} (scrolls sideways)`);
    } else if (!scrolls && wrapper.hasAttribute(MARK)) {
      for (const name of [MARK, "tabindex", "role", "aria-label"]) {
        wrapper.removeAttribute(name);
      }
    }
  };
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      update(entry.target);
    }
  });
  const observe = (root) => {
    for (const wrapper of root.querySelectorAll(".table-responsive")) {
      observer.observe(wrapper);
    }
  };
  observe(document);
  // Results swapped in by htmx bring their own tables.
  document.addEventListener("htmx:afterSettle", (event) => observe(event.detail.elt || document));
})();
