"""The canonical single-submission model and the types every stage passes on: the canonical tables
(:mod:`.canonical`) and their Arrow form (:mod:`.arrow`), a trip's identity (:mod:`.identity`), what
ingest hands to assembly (:mod:`.inputs`), one filing's rows (:mod:`.bundle`), the versioned reference
data (:mod:`.reference`) and what a hold is (:mod:`.faults`).

Above the plumbing, below every stage: it imports only :mod:`transforms.plumbing`.
"""
