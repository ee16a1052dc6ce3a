"""The camera simulator: a development and rehearsal tool; nothing in the product's runtime path imports it."""  # noqa: E501
