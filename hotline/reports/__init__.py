"""Public reports: building them from the orders, scoring the three rates, suppressing small
cells, and publishing immutable editions (DESIGN §2 三率, §5 publication rules).

Every published number comes from a GROUP BY query in ``queries``; ``builder`` only arranges
the aggregated rows into the snapshot that an edition stores.
"""
