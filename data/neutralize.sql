-- A neutralized copy must neither accept Mango's webhooks nor send commands to the PBX.
UPDATE res_company SET mango_api_key = NULL, mango_api_salt = NULL;
