// The live session form in the admin: choosing a course sets the time zone to its trainer's (each option
// carries it as data-time-zone), so an admin planning for a trainer enters the times the trainer thinks in.
// A zone the person picked themselves is theirs: a later change of course leaves it alone.
(() => {
  for (const course of document.querySelectorAll("select[data-sets-time-zone]")) {
    const zone = course.form && course.form.elements.namedItem(course.dataset.setsTimeZone);
    if (!(zone instanceof HTMLSelectElement)) continue;
    let pickedByHand = false;
    zone.addEventListener("change", () => {
      pickedByHand = true;
    });
    course.addEventListener("change", () => {
      const wanted = course.selectedOptions[0]?.dataset.timeZone;
      if (pickedByHand || !wanted || ![...zone.options].some((option) => option.value === wanted)) return;
      zone.value = wanted;
    });
  }
})();
