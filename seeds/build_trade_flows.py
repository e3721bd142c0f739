"""Build seeds/trade_flows_2024.csv: US-China goods trade in 2024, illustrative, calibrated.

Values are USD billions here and written as USD. Each direction ends with one residual line
("other goods not listed") that closes the gap to the published total (US Census, 2024), so
totals match exactly; every other figure is an estimate of the 2024 value at its order of
magnitude, see seeds/README.md. Base rates are fractions: MFN plus the 2018-2019 duties in force
in 2024, approximated per line. Run: python seeds/build_trade_flows.py
"""

from __future__ import annotations

import csv
from pathlib import Path

B = 1e9
US_EXPORTS_TO_CHINA = 143.5  # US Census 2024
US_IMPORTS_FROM_CHINA = 438.9  # US Census 2024

# (hs, description, category, value $B, base_rate) -- importer CHN, exporter USA
TO_CHINA = [
    ("1201", "Soybeans", "Soybeans", 12.8, 0.03),
    ("1005", "Maize (corn)", "Grains", 0.33, 0.01),
    ("1007", "Grain sorghum", "Grains", 1.70, 0.02),
    ("1001", "Wheat", "Grains", 0.60, 0.01),
    ("1003", "Barley", "Grains", 0.10, 0.03),
    ("0202", "Beef, frozen", "Meat & poultry", 1.05, 0.12),
    ("0201", "Beef, fresh or chilled", "Meat & poultry", 0.55, 0.20),
    ("0203", "Pork", "Meat & poultry", 0.60, 0.12),
    ("0206", "Edible offal (pork and beef)", "Meat & poultry", 0.55, 0.12),
    ("0207", "Poultry meat and offal (chicken paws)", "Meat & poultry", 0.80, 0.15),
    ("0802", "Tree nuts", "Other farm & food", 0.45, 0.10),
    ("0303", "Fish, frozen", "Other farm & food", 0.40, 0.07),
    ("0306", "Crustaceans (lobster)", "Other farm & food", 0.35, 0.07),
    ("0402", "Milk powder and cream", "Other farm & food", 0.20, 0.10),
    ("0404", "Whey", "Other farm & food", 0.30, 0.06),
    ("0805", "Citrus fruit", "Other farm & food", 0.15, 0.12),
    ("1214", "Alfalfa and hay", "Other farm & food", 0.45, 0.09),
    ("2106", "Food preparations", "Other farm & food", 0.60, 0.15),
    ("2303", "Distillers' grains and residues", "Other farm & food", 0.25, 0.05),
    ("4101", "Raw bovine hides", "Other farm & food", 0.35, 0.05),
    ("23", "Other animal feed", "Other farm & food", 0.40, 0.05),
    ("08", "Other fruit and nuts", "Other farm & food", 0.30, 0.12),
    ("5201", "Cotton, not carded", "Cotton", 1.50, 0.01),
    ("2709", "Crude petroleum", "Crude oil", 6.30, 0.00),
    ("271111", "Liquefied natural gas", "LNG", 2.60, 0.00),
    ("271112", "Propane, liquefied", "LPG (propane, butane)", 3.70, 0.01),
    ("271113", "Butanes, liquefied", "LPG (propane, butane)", 0.90, 0.01),
    ("271129", "Ethane and other gaseous hydrocarbons", "Ethane", 2.40, 0.00),
    ("2701", "Coal (metallurgical)", "Coal & other fuels", 1.20, 0.03),
    ("2710", "Refined petroleum products", "Coal & other fuels", 1.00, 0.06),
    ("2713", "Petroleum coke", "Coal & other fuels", 0.30, 0.03),
    ("854231", "Processors and controllers", "Semiconductors", 2.90, 0.00),
    ("854232", "Memory chips", "Semiconductors", 0.70, 0.00),
    ("854233", "Amplifier ICs", "Semiconductors", 0.35, 0.00),
    ("854239", "Other integrated circuits", "Semiconductors", 2.10, 0.00),
    ("854290", "Parts of integrated circuits", "Semiconductors", 0.25, 0.00),
    ("8541", "Diodes, transistors, LEDs", "Semiconductors", 0.60, 0.00),
    ("848620", "Machines for making semiconductor devices", "Chip-making equipment", 4.20, 0.00),
    ("848690", "Parts of chip-making machines", "Chip-making equipment", 0.90, 0.00),
    ("8802", "Aircraft", "Aircraft & parts", 3.00, 0.05),
    ("8803", "Aircraft parts", "Aircraft & parts", 1.40, 0.01),
    ("841112", "Turbofan engines", "Aircraft engines", 1.50, 0.01),
    ("841191", "Parts of turbojets and turbofans", "Aircraft engines", 0.90, 0.01),
    ("840710", "Piston engines for aircraft", "Aircraft engines", 0.05, 0.01),
    ("3002", "Vaccines, blood products, antibodies", "Pharmaceuticals", 4.20, 0.03),
    ("3004", "Medicines, dosed", "Pharmaceuticals", 3.80, 0.04),
    ("3006", "Pharmaceutical goods (sutures, reagents)", "Pharmaceuticals", 0.40, 0.05),
    ("9018", "Medical instruments", "Medical devices", 2.80, 0.04),
    ("9021", "Orthopaedic appliances and implants", "Medical devices", 0.55, 0.03),
    ("9022", "X-ray and CT apparatus", "Medical devices", 0.60, 0.04),
    ("9027", "Instruments for chemical analysis", "Instruments & optics", 1.60, 0.05),
    ("9030", "Instruments for measuring electricity", "Instruments & optics", 0.50, 0.05),
    ("9031", "Measuring and checking instruments", "Instruments & optics", 0.90, 0.05),
    ("9001", "Optical fibres and lenses", "Instruments & optics", 0.40, 0.06),
    ("90", "Other optical and precision instruments", "Instruments & optics", 2.00, 0.05),
    ("870323", "Cars, petrol, 1.5-3 litres", "Cars & vehicle parts", 0.60, 0.15),
    ("870324", "Cars, petrol, over 3 litres", "Cars & vehicle parts", 1.30, 0.15),
    ("870380", "Cars, electric", "Cars & vehicle parts", 0.50, 0.15),
    ("870421", "Pickups and light trucks", "Cars & vehicle parts", 0.05, 0.15),
    ("8708", "Vehicle parts", "Cars & vehicle parts", 0.90, 0.06),
    ("3901", "Polyethylene, primary forms", "Plastics", 1.60, 0.065),
    ("3902", "Polypropylene, primary forms", "Plastics", 0.35, 0.065),
    ("3903", "Polystyrene, primary forms", "Plastics", 0.30, 0.065),
    ("3907", "Polyesters and epoxides, primary forms", "Plastics", 0.55, 0.065),
    ("3920", "Plastic plates and film", "Plastics", 0.40, 0.065),
    ("39", "Other plastics", "Plastics", 2.00, 0.065),
    ("2902", "Cyclic hydrocarbons", "Chemicals", 0.40, 0.02),
    ("2905", "Acyclic alcohols", "Chemicals", 0.45, 0.055),
    ("2933", "Heterocyclic compounds", "Chemicals", 0.60, 0.065),
    ("2207", "Ethyl alcohol (ethanol)", "Chemicals", 0.05, 0.05),
    ("3824", "Chemical preparations", "Chemicals", 0.90, 0.065),
    ("3403", "Lubricating preparations", "Chemicals", 0.35, 0.065),
    ("28", "Inorganic chemicals", "Chemicals", 0.60, 0.055),
    ("38", "Other chemical products", "Chemicals", 2.50, 0.065),
    ("29", "Other organic chemicals", "Chemicals", 2.00, 0.055),
    ("3304", "Cosmetics and skin care", "Chemicals", 0.60, 0.05),
    ("8471", "Computers", "Machinery", 0.80, 0.00),
    ("8473", "Computer and office machine parts", "Machinery", 0.60, 0.00),
    ("8479", "Machines with individual functions", "Machinery", 0.90, 0.07),
    ("8421", "Filtering machinery", "Machinery", 0.60, 0.07),
    ("8481", "Valves and taps", "Machinery", 0.50, 0.07),
    ("8483", "Transmission shafts and gears", "Machinery", 0.45, 0.07),
    ("8429", "Bulldozers, excavators", "Machinery", 0.25, 0.07),
    ("8433", "Harvesting machinery", "Machinery", 0.15, 0.06),
    ("84", "Other machinery", "Machinery", 9.00, 0.07),
    ("8517", "Telecom equipment", "Electrical equipment", 0.90, 0.00),
    ("8536", "Switches and connectors", "Electrical equipment", 0.70, 0.05),
    ("8543", "Electrical machines n.e.s.", "Electrical equipment", 0.55, 0.05),
    ("8504", "Transformers and power supplies", "Electrical equipment", 0.30, 0.05),
    ("85", "Other electrical equipment", "Electrical equipment", 6.50, 0.05),
    ("4403", "Logs", "Wood & pulp", 0.55, 0.00),
    ("4407", "Sawn lumber", "Wood & pulp", 0.45, 0.00),
    ("4703", "Chemical wood pulp", "Wood & pulp", 1.20, 0.00),
    ("4707", "Recovered paper", "Wood & pulp", 0.30, 0.00),
    ("4804", "Kraft paper", "Wood & pulp", 0.30, 0.05),
    ("7404", "Copper waste and scrap", "Metals & scrap", 0.90, 0.015),
    ("7602", "Aluminium waste and scrap", "Metals & scrap", 1.10, 0.015),
    ("2603", "Copper ores", "Metals & scrap", 0.30, 0.00),
    ("71", "Precious metals and stones", "Metals & scrap", 0.80, 0.03),
]
TO_CHINA_RESIDUAL = (
    "98",
    "Other goods not listed, incl. low-value shipments (residual to the published total)",
    "Other goods",
    0.07,
)

# importer USA, exporter CHN
FROM_CHINA = [
    ("851713", "Smartphones", "Smartphones", 41.7, 0.00),
    ("847130", "Laptops and tablets", "Computers", 33.0, 0.00),
    ("847141", "Desktop computers", "Computers", 1.6, 0.00),
    ("847150", "Computer processing units", "Computers", 1.2, 0.00),
    ("847160", "Keyboards, mice, other input/output units", "Computers", 4.5, 0.075),
    ("847170", "Storage units", "Computers", 1.4, 0.25),
    ("847330", "Computer parts and accessories", "Computers", 8.0, 0.25),
    ("851762", "Routers, modems, network equipment", "Telecom equipment", 10.0, 0.25),
    ("851779", "Parts of telephone and network equipment", "Telecom equipment", 3.0, 0.25),
    ("8525", "Cameras and transmitters", "Telecom equipment", 2.5, 0.25),
    ("850760", "Lithium-ion batteries", "Batteries", 15.6, 0.109),
    ("8507", "Other batteries", "Batteries", 0.8, 0.28),
    ("8542", "Integrated circuits", "Semiconductors", 2.2, 0.25),
    ("8541", "Diodes, transistors, solar cells, LEDs", "Semiconductors", 1.5, 0.25),
    ("848620", "Machines for making semiconductor devices", "Semiconductors", 0.3, 0.25),
    ("852852", "Computer monitors", "Consumer electronics & appliances", 2.5, 0.00),
    ("852351", "Solid-state storage (flash drives, memory cards)", "Computers", 1.5, 0.00),
    ("8524", "Flat panel display modules", "Consumer electronics & appliances", 2.0, 0.00),
    ("852872", "Television sets", "Consumer electronics & appliances", 3.0, 0.15),
    ("8516", "Heaters, ovens, hair dryers", "Consumer electronics & appliances", 5.0, 0.28),
    ("8509", "Domestic food processors and appliances", "Consumer electronics & appliances", 2.0, 0.115),
    ("8518", "Speakers, headphones, microphones", "Consumer electronics & appliances", 4.5, 0.10),
    ("8543", "Electrical machines n.e.s. (e-cigarettes, etc.)", "Consumer electronics & appliances", 2.5, 0.28),
    ("850440", "Static converters and power supplies", "Electrical equipment", 5.0, 0.265),
    ("8504", "Other transformers and inductors", "Electrical equipment", 2.0, 0.265),
    ("8544", "Insulated wire and cables", "Electrical equipment", 4.0, 0.28),
    ("8536", "Switches, plugs and connectors", "Electrical equipment", 3.2, 0.28),
    ("8537", "Control panels", "Electrical equipment", 1.3, 0.28),
    ("8539", "Lamps and LED bulbs", "Electrical equipment", 1.0, 0.10),
    ("8501", "Electric motors and generators", "Electrical equipment", 2.5, 0.28),
    ("85", "Other electrical equipment", "Electrical equipment", 13.0, 0.25),
    ("9503", "Toys", "Toys, games & sports", 12.0, 0.00),
    ("950450", "Video game consoles", "Toys, games & sports", 7.0, 0.00),
    ("9505", "Festive and Christmas articles", "Toys, games & sports", 3.0, 0.00),
    ("9506", "Sports and exercise equipment", "Toys, games & sports", 2.8, 0.10),
    ("9403", "Furniture", "Furniture & lighting", 10.5, 0.25),
    ("9401", "Seats and chairs", "Furniture & lighting", 7.0, 0.25),
    ("9404", "Mattresses and bedding", "Furniture & lighting", 3.0, 0.28),
    ("9405", "Lamps and lighting fittings", "Furniture & lighting", 5.5, 0.29),
    ("61", "Knitted apparel", "Apparel & textiles", 11.5, 0.23),
    ("62", "Woven apparel", "Apparel & textiles", 8.5, 0.22),
    ("63", "Home textiles", "Apparel & textiles", 8.5, 0.20),
    ("4202", "Handbags, luggage and cases", "Apparel & textiles", 4.5, 0.20),
    ("64", "Footwear", "Footwear", 7.5, 0.18),
    ("8415", "Air conditioners", "Machinery", 2.8, 0.27),
    ("8414", "Fans, pumps and compressors", "Machinery", 3.5, 0.30),
    ("8443", "Printers and copiers", "Machinery", 3.5, 0.00),
    ("8418", "Refrigerators and freezers", "Machinery", 1.5, 0.27),
    ("8467", "Power hand tools", "Machinery", 3.5, 0.10),
    ("8481", "Valves and taps", "Machinery", 2.5, 0.27),
    ("8482", "Ball and roller bearings", "Machinery", 1.0, 0.34),
    ("8479", "Machines with individual functions", "Machinery", 1.8, 0.27),
    ("8428", "Lifting and handling machinery", "Machinery", 1.2, 0.25),
    ("8413", "Pumps for liquids", "Machinery", 1.2, 0.25),
    ("84", "Other machinery", "Machinery", 21.0, 0.26),
    ("8708", "Vehicle parts", "Vehicles & parts", 8.0, 0.275),
    ("8711", "Motorcycles and e-bikes", "Vehicles & parts", 2.3, 0.25),
    ("8712", "Bicycles", "Vehicles & parts", 0.8, 0.18),
    ("8714", "Parts of bicycles and motorcycles", "Vehicles & parts", 1.2, 0.25),
    ("8716", "Trailers and carts", "Vehicles & parts", 1.5, 0.28),
    ("8703", "Cars", "Vehicles & parts", 0.4, 0.275),
    ("3926", "Other plastic articles", "Plastics & rubber", 8.5, 0.18),
    ("3924", "Plastic household articles", "Plastics & rubber", 3.2, 0.28),
    ("3923", "Plastic packaging", "Plastics & rubber", 2.2, 0.28),
    ("3920", "Plastic plates and film", "Plastics & rubber", 1.8, 0.29),
    ("4011", "Tyres", "Plastics & rubber", 1.0, 0.29),
    ("40", "Other rubber articles", "Plastics & rubber", 2.5, 0.20),
    ("7326", "Other iron and steel articles", "Metal articles & tools", 3.2, 0.28),
    ("7323", "Steel household articles", "Metal articles & tools", 1.6, 0.28),
    ("7318", "Screws, bolts and nuts", "Metal articles & tools", 2.5, 0.28),
    ("7308", "Steel structures", "Metal articles & tools", 1.3, 0.25),
    ("7616", "Other aluminium articles", "Metal articles & tools", 1.6, 0.28),
    ("76", "Other aluminium", "Metal articles & tools", 2.4, 0.28),
    ("73", "Other iron and steel", "Metal articles & tools", 4.5, 0.25),
    ("82", "Hand tools and cutlery", "Metal articles & tools", 3.0, 0.28),
    ("83", "Locks, hardware and fittings", "Metal articles & tools", 3.0, 0.28),
    ("9018", "Medical instruments", "Medical devices & supplies", 2.8, 0.075),
    ("9019", "Therapy and breathing apparatus", "Medical devices & supplies", 1.0, 0.075),
    ("9021", "Orthopaedic appliances", "Medical devices & supplies", 0.8, 0.075),
    ("4015", "Rubber gloves", "Medical devices & supplies", 1.0, 0.105),
    ("630790", "Face masks and other made-up textiles", "Medical devices & supplies", 1.5, 0.15),
    ("9013", "LCD panels and lasers", "Instruments & optics", 1.8, 0.075),
    ("9031", "Measuring and checking instruments", "Instruments & optics", 0.8, 0.25),
    ("9026", "Flow and pressure instruments", "Instruments & optics", 0.7, 0.25),
    ("90", "Other optical and precision instruments", "Instruments & optics", 2.0, 0.20),
    ("3004", "Medicines, dosed", "Pharmaceuticals", 1.6, 0.00),
    ("3002", "Vaccines, blood products, antibodies", "Pharmaceuticals", 0.4, 0.00),
    ("2941", "Antibiotics", "Pharmaceuticals", 0.6, 0.00),
    ("2936", "Vitamins", "Pharmaceuticals", 0.9, 0.075),
    ("29", "Other organic chemicals", "Chemicals", 4.5, 0.15),
    ("28", "Inorganic chemicals", "Chemicals", 1.5, 0.20),
    ("38", "Other chemical products", "Chemicals", 2.0, 0.25),
    ("33", "Cosmetics and essential oils", "Chemicals", 1.0, 0.10),
    ("48", "Paper and paperboard articles", "Paper, glass & ceramics", 3.0, 0.25),
    ("49", "Printed books and matter", "Paper, glass & ceramics", 1.0, 0.00),
    ("69", "Ceramic products", "Paper, glass & ceramics", 2.5, 0.25),
    ("70", "Glass and glassware", "Paper, glass & ceramics", 2.5, 0.28),
    ("0304", "Fish fillets", "Food & farm", 1.0, 0.10),
    ("03", "Other fish and seafood", "Food & farm", 0.6, 0.10),
    ("1604", "Prepared fish", "Food & farm", 0.6, 0.30),
    ("20", "Prepared vegetables and fruit", "Food & farm", 0.8, 0.20),
    ("0703", "Garlic and onions", "Food & farm", 0.3, 0.20),
    ("05", "Other animal products", "Food & farm", 0.5, 0.10),
]
FROM_CHINA_RESIDUAL = (
    "98",
    "Other goods not listed, incl. low-value shipments (residual to the published total)",
    "Other goods",
    0.15,
)


def rows(lines: list, residual: tuple, total: float, importer: str, exporter: str) -> list[list[str]]:
    listed = sum(v for _, _, _, v, _ in lines)
    gap = round(total - listed, 3)
    if gap < 0:
        raise SystemExit(f"{importer}: listed lines ({listed:.1f}) exceed the total ({total})")
    hs, desc, cat, rate = residual
    out = [[exporter, importer, h, d, c, f"{v * B:.0f}", f"{r:g}"] for h, d, c, v, r in lines]
    out.append([exporter, importer, hs, desc, cat, f"{gap * B:.0f}", f"{rate:g}"])
    print(f"{importer} from {exporter}: {len(out)} lines, listed {listed:.2f}B + residual {gap:.2f}B = {total}B")
    return out


def main() -> None:
    table = rows(TO_CHINA, TO_CHINA_RESIDUAL, US_EXPORTS_TO_CHINA, "CHN", "USA")
    table += rows(FROM_CHINA, FROM_CHINA_RESIDUAL, US_IMPORTS_FROM_CHINA, "USA", "CHN")
    path = Path(__file__).with_name("trade_flows_2024.csv")
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["exporter", "importer", "hs", "description", "category", "value_usd", "base_rate"])
        writer.writerows(table)


if __name__ == "__main__":
    main()
