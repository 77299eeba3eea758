-- A neutralized copy must neither accept Mango's webhooks nor send commands to the PBX.
UPDATE res_company SET mango_api_key = NULL, mango_api_salt = NULL;
-- Nor Binotel's: without its company ID no request is taken, without its keys none is sent.
UPDATE res_company SET binotel_api_key = NULL, binotel_api_secret = NULL, binotel_company_ref = NULL;
