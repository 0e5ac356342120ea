-- never_evidence(status): whether a claim's status keeps it out of the evidence always
-- (misattributed, retracted; a disputed claim still counts). The list is
-- costboard.warehouse.validate_claims.NOT_EVIDENCE_STATUSES; a test holds the two equal.
CREATE MACRO never_evidence(status) AS status IN ('misattributed', 'retracted');
