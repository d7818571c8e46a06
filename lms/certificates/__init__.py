"""Certification decisions, certificate records, signed credentials, PDFs and verification."""
