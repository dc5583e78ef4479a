"""Assembly and the check stage's decisions: mapped rows become trips (canonical frames), lines wait
for their trip plan, values are filled from the item master, and held trips get their reasons.
"""
