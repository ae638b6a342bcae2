// Progressive enhancement for the play page. Without this file everything
// still works: the cause list is a plain <select>, the menu filter is a GET
// form (?menu=term) that the server answers with the same list narrowed.

const normalise = (text) =>
  text
    .toLocaleLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "");

// A text filter over the long list of causes.
(() => {
  const wrapper = document.querySelector("[data-cause-filter]");
  const select = document.querySelector("[data-cause-select]");
  if (!wrapper || !select) {
    return;
  }
  const input = wrapper.querySelector("input");
  const count = wrapper.querySelector("[data-cause-filter-count]");
  wrapper.hidden = false;

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

// The menu filter narrows the list as one types. It matches as the server
// does (leucocases/cases/menu.py): every word of the term must appear in the
// entry's name or its category's label, ignoring case and accents.
(() => {
  const form = document.querySelector("[data-menu-filter]");
  const menu = document.getElementById("step-menu");
  if (!form || !menu) {
    return;
  }
  const input = form.querySelector("input[type=search]");
  const count = form.querySelector("[data-menu-filter-count]");
  const submit = form.querySelector("[data-menu-filter-submit]");
  // Filtering is live: the button would only reload the page.
  submit.hidden = true;

  const entryName = (item) => item.querySelector(".btn-step").firstChild.textContent;

  const apply = (announce) => {
    const raw = input.value.trim();
    const words = normalise(raw).split(/\s+/).filter(Boolean);
    let shown = 0;
    let total = 0;
    for (const group of menu.querySelectorAll("[data-menu-category]")) {
      const label = group.querySelector(".step-category").textContent;
      let visible = 0;
      for (const item of group.querySelectorAll(".step-menu-item")) {
        const haystack = normalise(`${entryName(item)} ${label}`);
        const show = words.every((word) => haystack.includes(word));
        item.hidden = !show;
        total += 1;
        if (show) {
          visible += 1;
        }
      }
      group.hidden = visible === 0;
      shown += visible;
    }
    if (!announce) {
      return;
    }
    if (words.length === 0) {
      count.textContent = `${total} entries.`;
    } else if (shown === 0) {
      count.textContent = `No entry matches “${raw}”. Try another word.`;
    } else {
      count.textContent = `${shown} of ${total} entries match “${raw}”.`;
    }
  };

  input.addEventListener("input", () => apply(true));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value !== "") {
      event.preventDefault();
      input.value = "";
      apply(true);
    } else if (event.key === "ArrowDown") {
      // Down from the filter goes to the first entry still shown.
      const first = [...menu.querySelectorAll(".step-menu-item:not([hidden]) .btn-step")].find(
        (button) => button.closest("[hidden]") === null,
      );
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  // Enter would reload the page filtered the same way; the list already is.
  form.addEventListener("submit", (event) => event.preventDefault());

  // After a choice is swapped in: every menu form posts the new next position
  // (a form sent twice must not order twice), and the swapped-in menu entry
  // follows the filter as typed.
  document.addEventListener("htmx:afterSwap", (event) => {
    const source = event.detail.target.querySelector("[data-next-position-source]");
    if (source) {
      for (const field of menu.querySelectorAll("input[data-next-position]")) {
        field.value = source.dataset.nextPositionSource;
      }
    }
    apply(false);
  });
})();
