// Progressive enhancement only: the editor works without this file.
// A checklist's filter box shows only the choices whose label holds every typed word.
document.addEventListener("DOMContentLoaded", () => {
  for (const list of document.querySelectorAll("[data-checklist]")) {
    const filter = list.querySelector("[data-checklist-filter]");
    if (!filter) continue;
    filter.hidden = false;
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const item of list.querySelectorAll("[data-checklist-item]")) {
        const text = item.textContent.toLowerCase();
        item.hidden = !words.every((word) => text.includes(word));
      }
    });
  }
});
