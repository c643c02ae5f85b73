"""Writers of the evidence pack: tables, summary, charts on disk, HTML, PDF, complaint drafts."""
