"""The system-review pack: the whole programme's figures for the committee's 18-24 month review.

One selector module per section (channels, closure, huddles, initiatives, taxonomy, rules); `pack`
puts them together as titled tables that the page (views) and the PDF (pdf) render alike.
"""
