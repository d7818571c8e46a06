"""A cohort's agenda: its sessions and the due dates of its assessments, on a page and as
iCalendar feeds. It lives on the assessments floor because due dates are read here."""
