"""The quarterly evaluation return (DOMAIN §7): its dataset, lifecycle, exports and pages."""
