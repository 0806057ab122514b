"""Claims: the claim model, identifiers, the billing profile and the claim builder.

    from medcoder.claims.profile import load_profile
    from medcoder.claims.build import build_professional
    claim = build_professional(result, load_profile("practice.yaml"), patient=..., payer="medicare",
                               patient_control_number="PCN1")

Writers (837P/837I, FHIR Claim, CMS-1500), the scrubber's edit families and pricing build on
``model.Claim`` (see the project's issue on claims).
"""
