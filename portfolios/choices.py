"""Choices for loans, shared by the model, the forms and the loan-tape import."""

from django.db import models

from portfolios.payoff import ACTUAL_360, ACTUAL_365, THIRTY_360


class Occupancy(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", "Owner-occupied"
    NON_OWNER_OCCUPIED = "non_owner_occupied", "Non-owner-occupied"
    # Not the borrower's principal residence: not owner-occupied for anti-deficiency rules.
    SECOND_HOME = "second_home", "Second home"
    VACANT = "vacant", "Vacant"
    UNKNOWN = "unknown", "Unknown"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


PurchaseMoney = YesNoUnknown  # was the loan used to buy the property?


class BorrowerType(models.TextChoices):
    """Who the borrower is, as statutes that protect only natural persons ask."""

    NATURAL_PERSON = "natural_person", "Natural person"
    ENTITY = "entity", "Entity (LLC, corporation, trust, partnership)"
    UNKNOWN = "unknown", "Unknown"


class LenderType(models.TextChoices):
    """Who made the loan, as statutes on seller-financed or institutional loans ask."""

    FINANCIAL_INSTITUTION = "financial_institution", "Financial institution"
    SELLER = "seller", "Seller of the property (seller-financed)"
    OTHER = "other", "Other lender"
    UNKNOWN = "unknown", "Unknown"


class DayCount(models.TextChoices):
    ACTUAL_365 = ACTUAL_365, "Actual/365"
    ACTUAL_360 = ACTUAL_360, "Actual/360"
    THIRTY_360 = THIRTY_360, "30/360"


class ForeclosureProcess(models.TextChoices):
    JUDICIAL = "judicial", "Judicial"
    NON_JUDICIAL = "non_judicial", "Non-judicial"
    UNKNOWN = "unknown", "Unknown"


class LoanStatus(models.TextChoices):
    PERFORMING = "performing", "Performing"
    NON_PERFORMING = "non_performing", "Non-performing"
    IN_FORECLOSURE = "in_foreclosure", "In foreclosure"
    REO = "reo", "REO"
    LIQUIDATED = "liquidated", "Liquidated"
    SETTLED = "settled", "Settled"
    PAID_OFF = "paid_off", "Paid off"


class PropertyType(models.TextChoices):
    SINGLE_FAMILY = "single_family", "Single-family"
    PUD = "pud", "Planned unit development (PUD)"
    CONDO = "condo", "Condominium"
    CO_OP = "co_op", "Co-op"
    TOWNHOUSE = "townhouse", "Townhouse"
    TWO_TO_FOUR = "two_to_four", "2-4 units"
    MANUFACTURED = "manufactured", "Manufactured home"
    MULTIFAMILY = "multifamily", "Multifamily (5+ units)"
    LAND = "land", "Land"
    COMMERCIAL = "commercial", "Commercial"
    OTHER = "other", "Other"


class ValueSource(models.TextChoices):
    BPO = "bpo", "BPO"
    APPRAISAL = "appraisal", "Appraisal"
    AVM = "avm", "AVM"


# USPS codes of the 50 states, DC and the five inhabited territories, with their names.
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip
STATE_CHOICES = sorted(((code, name) for code, name in US_STATES.items()), key=lambda c: c[1])
