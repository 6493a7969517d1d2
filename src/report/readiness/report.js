// The status filters: an item is shown when its status is chosen, or when
// one of its sub-items is; a section is shown when one of its items is.
(function () {
  const boxes = Array.from(document.querySelectorAll('.filters input[name="status"]'));
  const items = Array.from(document.querySelectorAll('li.item')).reverse();
  const sections = Array.from(document.querySelectorAll('section.section'));
  const shown = document.getElementById('shown');
  function apply() {
    const chosen = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    let count = 0;
    let total = 0;
    for (const item of items) {
      const own = chosen.has(item.dataset.status);
      const child = item.querySelector(':scope > ul.items > li.item:not([hidden])');
      item.hidden = !own && !child;
      if (item.hasAttribute('data-leaf')) {
        total += 1;
        if (own) count += 1;
      }
    }
    for (const section of sections) {
      section.hidden = !section.querySelector('li.item:not([hidden])');
    }
    shown.textContent = count === total ? 'Showing all ' + total + ' items.'
      : 'Showing ' + count + ' of ' + total + ' items.';
  }
  for (const box of boxes) box.addEventListener('change', apply);
  apply();
})();
