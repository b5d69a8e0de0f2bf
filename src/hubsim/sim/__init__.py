"""Simulation layer: simulate one replication of a scenario and emit flat records.

``network`` (graph and routes), ``engine`` (builds a run and puts it on the clock) with one part
per module: ``demand`` (arrival processes), ``cargo`` (consignments and the ledger), ``hubs``
(equipment and yard), ``services`` (scheduled departures and vehicles), ``trucks`` (on-demand
services), ``travel`` (links, outages, locks), ``flow`` (a consignment from node to node),
``state`` (the network state the ``timeline`` of disruptions and investments changes),
``context`` (what the parts share); ``streams`` (named random streams), ``slots`` (the counting
resource), ``records`` (the event, consignment and trip tables).
"""
