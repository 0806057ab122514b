"""Note structure: section headings (``sections``) and sentence spans (``sentences``).

Both work on one string and return offsets into it, so evidence found inside a section or a
sentence indexes ``Encounter.text`` exactly. Importing this package imports nothing else.
"""
