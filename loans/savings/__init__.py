"""Members' savings (tiền gửi tiết kiệm của tổ viên, DOMAIN.md §7): one account per household,
its append-only journal, the half-year interest and the effective-dated rate. Other apps (the
sessions, the take-on) post through `services`, and read through `selectors`."""
