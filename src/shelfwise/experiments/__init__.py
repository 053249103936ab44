"""A/B experiments between model versions: who sees which variant (``assignment``), what the
split earned and whether the difference is real (``report``), and what a version would earn on
logged traffic before it gets any (``offpolicy``). Pure functions over plain records; the store
and the server are the service layer's business (``service/experiments.py``)."""
