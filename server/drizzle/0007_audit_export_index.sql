CREATE INDEX `audit_log_export_consent` ON `audit_log` (`site_id`, json_extract(`after`, '$.filters.consentId')) WHERE `action` = 'consents.export';
