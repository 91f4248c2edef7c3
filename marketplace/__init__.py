"""A marketplace simulator: plays the platform that sends collaborative work orders (协同工单)
to the shop's bot, takes its replies, and rules. Imports nothing of the bot."""

from marketplace.simulator import Marketplace, MarketplaceConfig, SimTicket

__all__ = ["Marketplace", "MarketplaceConfig", "SimTicket"]
