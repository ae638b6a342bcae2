// Progressive enhancement for the play page: a text filter over the long
// list of causes. Without this file the plain <select> works the same.
(() => {
  const wrapper = document.querySelector("[data-cause-filter]");
  const select = document.querySelector("[data-cause-select]");
  if (!wrapper || !select) {
    return;
  }
  const input = wrapper.querySelector("input");
  const count = wrapper.querySelector("[data-cause-filter-count]");
  wrapper.hidden = false;

  const normalise = (text) => text.toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");

  input.addEventListener("input", () => {
    const query = normalise(input.value.trim());
    const matches = [];
    for (const group of select.querySelectorAll("optgroup")) {
      const groupMatches = query !== "" && normalise(group.label).includes(query);
      let visible = 0;
      for (const option of group.querySelectorAll("option")) {
        const show = query === "" || groupMatches || normalise(option.textContent).includes(query);
        option.hidden = !show;
        if (show) {
          visible += 1;
          matches.push(option);
        }
      }
      group.hidden = visible === 0;
    }
    if (query === "") {
      count.textContent = "";
      return;
    }
    if (matches.length === 1) {
      matches[0].selected = true;
    }
    count.textContent =
      matches.length === 1
        ? `1 cause matches: ${matches[0].textContent} (selected).`
        : `${matches.length} causes match.`;
  });
})();
