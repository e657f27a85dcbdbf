"""Stage 2's intelligence: pure functions over one message's HTML and text.

``analyze.analyze_content`` is the entry point; the other modules each do
one job (html parsing, links, offers, structure, addresses,
personalization, complexity, language) and are tested with plain inputs.
"""
