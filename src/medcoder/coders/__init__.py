"""One folder per coder: ``diagnosis`` (ICD-10-CM), later ``procedures`` (CPT/HCPCS/PCS)."""
