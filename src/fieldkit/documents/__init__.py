"""Letters, leaflets and evidence bundles as PDF (the only package that imports reportlab)."""
