"""Opening a cited document: its text with the quoted passage marked, a PDF page as an
image, the original file — each only for users who may read the document."""
