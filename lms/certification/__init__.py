"""Certification, the top domain: tracks, hours, progress, eligibility and renewal; issuance,
certificate records, signed credentials, PDFs and verification."""
