-- Run once by the official postgres image, on the first start of an empty data volume
-- (/docker-entrypoint-initdb.d). One database per service (DESIGN §2): each service connects to
-- mesocare_<service> on the server named by DATABASE_URL and applies its own migrations at start.
CREATE DATABASE mesocare_booking;
CREATE DATABASE mesocare_records;
CREATE DATABASE mesocare_formulary;
CREATE DATABASE mesocare_notifications;
CREATE DATABASE mesocare_gateway;
