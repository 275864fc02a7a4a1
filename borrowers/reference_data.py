"""Reference data for the Lạng Sơn branch of the Vietnam Bank for Social Policies (NHCSXH).

Pure data: no Django imports, so it can be used by migrations, fixtures, demo-data generators
and tests alike. Vietnamese strings are NFC-normalised with full diacritics.

Sources and caveats:
- ETHNICITIES: the General Statistics Office list of 54 ethnic groups and their codes
  (Decision 121-TCTK/PPCĐ, 2 March 1979), with "Mông" for code 08 as users type it.
- OFFICES: 10 district transaction offices (PGD) plus the branch's own team for Lạng Sơn city,
  194 commune transaction points, one per commune-level unit as it stood before 1 July 2025
  (after the 1 December 2024 mergers: Vĩnh Tiến into Khánh Long, Đại Đồng into Thất Khê and
  Đội Cấn, Đồng Giáp and Tràng Các into Khánh Khê, Tĩnh Bắc into Tam Gia, Sơn Hà into the
  Hữu Lũng town). `current_commune` is the successor under Resolution 1672/NQ-UBTVQH15
  (16 June 2025, effective 1 July 2025): 61 communes and 4 wards, 65 units in all. The
  old-to-new mapping follows the open `vietnamadminunits` compilation of that resolution.
- Session days are demo values, except Kháng Chiến (Tràng Định), which meets on the 21st.
  Each office's points meet on different days, as one team visits them in turn.
- Name material and the ethnic mix are for synthetic demo borrowers only.
"""

# ---------------------------------------------------------------------------
# Ethnic groups (GSO codes 01..54)
# ---------------------------------------------------------------------------

ETHNICITIES: list[tuple[str, str]] = [
    ("01", "Kinh"),
    ("02", "Tày"),
    ("03", "Thái"),
    ("04", "Hoa"),
    ("05", "Khơ-me"),
    ("06", "Mường"),
    ("07", "Nùng"),
    ("08", "Mông"),
    ("09", "Dao"),
    ("10", "Gia-rai"),
    ("11", "Ngái"),
    ("12", "Ê-đê"),
    ("13", "Ba-na"),
    ("14", "Xơ-đăng"),
    ("15", "Sán Chay"),
    ("16", "Cơ-ho"),
    ("17", "Chăm"),
    ("18", "Sán Dìu"),
    ("19", "Hrê"),
    ("20", "Mnông"),
    ("21", "Ra-glai"),
    ("22", "Xtiêng"),
    ("23", "Bru-Vân Kiều"),
    ("24", "Thổ"),
    ("25", "Giáy"),
    ("26", "Cơ-tu"),
    ("27", "Gié-Triêng"),
    ("28", "Mạ"),
    ("29", "Khơ-mú"),
    ("30", "Co"),
    ("31", "Tà-ôi"),
    ("32", "Chơ-ro"),
    ("33", "Kháng"),
    ("34", "Xinh-mun"),
    ("35", "Hà Nhì"),
    ("36", "Chu-ru"),
    ("37", "Lào"),
    ("38", "La Chí"),
    ("39", "La Ha"),
    ("40", "Phù Lá"),
    ("41", "La Hủ"),
    ("42", "Lự"),
    ("43", "Lô Lô"),
    ("44", "Chứt"),
    ("45", "Mảng"),
    ("46", "Pà Thẻn"),
    ("47", "Cơ Lao"),
    ("48", "Cống"),
    ("49", "Bố Y"),
    ("50", "Si La"),
    ("51", "Pu Péo"),
    ("52", "Brâu"),
    ("53", "Ơ Đu"),
    ("54", "Rơ-măm"),
]

# Code of the majority group; every other code is an ethnic minority.
KINH_CODE = "01"

# ---------------------------------------------------------------------------
# Branch, offices and commune transaction points
# ---------------------------------------------------------------------------

BRANCH = {"code": "LSN", "name": "Chi nhánh NHCSXH tỉnh Lạng Sơn"}


def _point(code: str, commune: str, session_day: int, current_commune: str) -> dict:
    """One commune transaction point (Điểm giao dịch xã).

    `commune` is the former commune/ward/town the point serves; `current_commune` is the
    commune or ward that took it over on 1 July 2025.
    """
    return {
        "code": code,
        "commune": commune,
        "session_day": session_day,
        "current_commune": current_commune,
    }


# Points are listed in the order of the former units' GSO codes. Former units that went to a
# commune or ward outside their old district (e.g. Cao Lộc's Bình Trung -> Khánh Khê) keep
# their office: offices and points are not administrative units.
OFFICES: list[dict] = [
    # PGD Tràng Định: 20 points
    {
        "code": "TDI",
        "name": "Phòng giao dịch NHCSXH huyện Tràng Định",
        "former_district": "Huyện Tràng Định",
        "points": [
            _point("TDI01", "Xã Khánh Long", 16, "Xã Đoàn Kết"),
            _point("TDI02", "Xã Đoàn Kết", 15, "Xã Đoàn Kết"),
            _point("TDI03", "Xã Quốc Khánh", 5, "Xã Quốc Khánh"),
            _point("TDI04", "Xã Cao Minh", 3, "Xã Đoàn Kết"),
            _point("TDI05", "Xã Chí Minh", 6, "Xã Thất Khê"),
            _point("TDI06", "Xã Tri Phương", 26, "Xã Quốc Khánh"),
            _point("TDI07", "Xã Tân Tiến", 24, "Xã Tân Tiến"),
            _point("TDI08", "Xã Tân Yên", 25, "Xã Tân Tiến"),
            _point("TDI09", "Xã Đội Cấn", 2, "Xã Quốc Khánh"),
            _point("TDI10", "Xã Tân Minh", 8, "Xã Kháng Chiến"),
            _point("TDI11", "Xã Kim Đồng", 11, "Xã Tân Tiến"),
            _point("TDI12", "Xã Chi Lăng", 23, "Xã Thất Khê"),
            _point("TDI13", "Xã Trung Thành", 1, "Xã Kháng Chiến"),
            _point("TDI14", "Thị trấn Thất Khê", 27, "Xã Thất Khê"),
            _point("TDI15", "Xã Đào Viên", 4, "Xã Quốc Việt"),
            _point("TDI16", "Xã Đề Thám", 19, "Xã Tràng Định"),
            _point("TDI17", "Xã Kháng Chiến", 21, "Xã Kháng Chiến"),
            _point("TDI18", "Xã Hùng Sơn", 28, "Xã Tràng Định"),
            _point("TDI19", "Xã Quốc Việt", 7, "Xã Quốc Việt"),
            _point("TDI20", "Xã Hùng Việt", 22, "Xã Tràng Định"),
        ],
    },
    # PGD Văn Lãng: 17 points
    {
        "code": "VLA",
        "name": "Phòng giao dịch NHCSXH huyện Văn Lãng",
        "former_district": "Huyện Văn Lãng",
        "points": [
            _point("VLA01", "Thị trấn Na Sầm", 7, "Xã Na Sầm"),
            _point("VLA02", "Xã Trùng Khánh", 8, "Xã Thụy Hùng"),
            _point("VLA03", "Xã Bắc La", 6, "Xã Văn Lãng"),
            _point("VLA04", "Xã Thụy Hùng", 24, "Xã Thụy Hùng"),
            _point("VLA05", "Xã Bắc Hùng", 21, "Xã Na Sầm"),
            _point("VLA06", "Xã Tân Tác", 16, "Xã Văn Lãng"),
            _point("VLA07", "Xã Thanh Long", 18, "Xã Thụy Hùng"),
            _point("VLA08", "Xã Hội Hoan", 19, "Xã Hội Hoan"),
            _point("VLA09", "Xã Bắc Việt", 10, "Xã Văn Lãng"),
            _point("VLA10", "Xã Hoàng Việt", 14, "Xã Na Sầm"),
            _point("VLA11", "Xã Gia Miễn", 26, "Xã Hội Hoan"),
            _point("VLA12", "Xã Thành Hòa", 3, "Xã Văn Lãng"),
            _point("VLA13", "Xã Tân Thanh", 11, "Xã Hoàng Văn Thụ"),
            _point("VLA14", "Xã Tân Mỹ", 2, "Xã Hoàng Văn Thụ"),
            _point("VLA15", "Xã Hồng Thái", 13, "Xã Hoàng Văn Thụ"),
            _point("VLA16", "Xã Hoàng Văn Thụ", 17, "Xã Hoàng Văn Thụ"),
            _point("VLA17", "Xã Nhạc Kỳ", 15, "Xã Hoàng Văn Thụ"),
        ],
    },
    # PGD Văn Quan: 15 points
    {
        "code": "VQU",
        "name": "Phòng giao dịch NHCSXH huyện Văn Quan",
        "former_district": "Huyện Văn Quan",
        "points": [
            _point("VQU01", "Thị trấn Văn Quan", 3, "Xã Văn Quan"),
            _point("VQU02", "Xã Trấn Ninh", 10, "Xã Điềm He"),
            _point("VQU03", "Xã Liên Hội", 22, "Xã Điềm He"),
            _point("VQU04", "Xã Hòa Bình", 19, "Xã Văn Quan"),
            _point("VQU05", "Xã Tú Xuyên", 4, "Xã Văn Quan"),
            _point("VQU06", "Xã Điềm He", 26, "Xã Điềm He"),
            _point("VQU07", "Xã An Sơn", 13, "Xã Yên Phúc"),
            _point("VQU08", "Xã Khánh Khê", 6, "Xã Khánh Khê"),
            _point("VQU09", "Xã Lương Năng", 15, "Xã Tri Lễ"),
            _point("VQU10", "Xã Bình Phúc", 9, "Xã Yên Phúc"),
            _point("VQU11", "Xã Tân Đoàn", 11, "Xã Tân Đoàn"),
            _point("VQU12", "Xã Tri Lễ", 8, "Xã Tri Lễ"),
            _point("VQU13", "Xã Tràng Phái", 25, "Xã Tân Đoàn"),
            _point("VQU14", "Xã Yên Phúc", 16, "Xã Yên Phúc"),
            _point("VQU15", "Xã Hữu Lễ", 24, "Xã Tri Lễ"),
        ],
    },
    # PGD Bình Gia: 19 points
    {
        "code": "BGI",
        "name": "Phòng giao dịch NHCSXH huyện Bình Gia",
        "former_district": "Huyện Bình Gia",
        "points": [
            _point("BGI01", "Xã Hưng Đạo", 19, "Xã Hoa Thám"),
            _point("BGI02", "Xã Vĩnh Yên", 7, "Xã Quý Hòa"),
            _point("BGI03", "Xã Hoa Thám", 10, "Xã Hoa Thám"),
            _point("BGI04", "Xã Quý Hòa", 28, "Xã Quý Hòa"),
            _point("BGI05", "Xã Hồng Phong", 12, "Xã Hồng Phong"),
            _point("BGI06", "Xã Yên Lỗ", 20, "Xã Thiện Hòa"),
            _point("BGI07", "Xã Thiện Hòa", 2, "Xã Thiện Hòa"),
            _point("BGI08", "Xã Quang Trung", 27, "Xã Thiện Thuật"),
            _point("BGI09", "Xã Thiện Thuật", 23, "Xã Thiện Thuật"),
            _point("BGI10", "Xã Minh Khai", 26, "Xã Hồng Phong"),
            _point("BGI11", "Xã Thiện Long", 17, "Xã Thiện Long"),
            _point("BGI12", "Xã Hoàng Văn Thụ", 5, "Xã Bình Gia"),
            _point("BGI13", "Xã Hòa Bình", 18, "Xã Thiện Long"),
            _point("BGI14", "Xã Mông Ân", 25, "Xã Bình Gia"),
            _point("BGI15", "Xã Tân Hòa", 1, "Xã Thiện Long"),
            _point("BGI16", "Thị trấn Bình Gia", 15, "Xã Bình Gia"),
            _point("BGI17", "Xã Hồng Thái", 21, "Xã Tân Văn"),
            _point("BGI18", "Xã Bình La", 6, "Xã Tân Văn"),
            _point("BGI19", "Xã Tân Văn", 4, "Xã Tân Văn"),
        ],
    },
    # PGD Bắc Sơn: 18 points
    {
        "code": "BSO",
        "name": "Phòng giao dịch NHCSXH huyện Bắc Sơn",
        "former_district": "Huyện Bắc Sơn",
        "points": [
            _point("BSO01", "Thị trấn Bắc Sơn", 9, "Xã Bắc Sơn"),
            _point("BSO02", "Xã Long Đống", 21, "Xã Bắc Sơn"),
            _point("BSO03", "Xã Vạn Thủy", 18, "Xã Tân Tri"),
            _point("BSO04", "Xã Đồng Ý", 8, "Xã Tân Tri"),
            _point("BSO05", "Xã Tân Tri", 14, "Xã Tân Tri"),
            _point("BSO06", "Xã Bắc Quỳnh", 19, "Xã Bắc Sơn"),
            _point("BSO07", "Xã Hưng Vũ", 2, "Xã Hưng Vũ"),
            _point("BSO08", "Xã Tân Lập", 17, "Xã Vũ Lăng"),
            _point("BSO09", "Xã Vũ Sơn", 15, "Xã Vũ Lễ"),
            _point("BSO10", "Xã Chiêu Vũ", 24, "Xã Vũ Lăng"),
            _point("BSO11", "Xã Tân Hương", 13, "Xã Vũ Lăng"),
            _point("BSO12", "Xã Chiến Thắng", 22, "Xã Vũ Lễ"),
            _point("BSO13", "Xã Vũ Lăng", 16, "Xã Vũ Lăng"),
            _point("BSO14", "Xã Trấn Yên", 5, "Xã Hưng Vũ"),
            _point("BSO15", "Xã Vũ Lễ", 27, "Xã Vũ Lễ"),
            _point("BSO16", "Xã Nhất Hòa", 12, "Xã Nhất Hòa"),
            _point("BSO17", "Xã Tân Thành", 25, "Xã Nhất Hòa"),
            _point("BSO18", "Xã Nhất Tiến", 3, "Xã Nhất Hòa"),
        ],
    },
    # PGD Hữu Lũng: 23 points
    {
        "code": "HLU",
        "name": "Phòng giao dịch NHCSXH huyện Hữu Lũng",
        "former_district": "Huyện Hữu Lũng",
        "points": [
            _point("HLU01", "Thị trấn Hữu Lũng", 23, "Xã Hữu Lũng"),
            _point("HLU02", "Xã Hữu Liên", 18, "Xã Hữu Liên"),
            _point("HLU03", "Xã Yên Bình", 14, "Xã Yên Bình"),
            _point("HLU04", "Xã Quyết Thắng", 13, "Xã Yên Bình"),
            _point("HLU05", "Xã Hòa Bình", 20, "Xã Yên Bình"),
            _point("HLU06", "Xã Yên Thịnh", 28, "Xã Hữu Liên"),
            _point("HLU07", "Xã Yên Sơn", 25, "Xã Cai Kinh"),
            _point("HLU08", "Xã Thiện Tân", 16, "Xã Thiện Tân"),
            _point("HLU09", "Xã Yên Vượng", 9, "Xã Cai Kinh"),
            _point("HLU10", "Xã Minh Tiến", 22, "Xã Vân Nham"),
            _point("HLU11", "Xã Nhật Tiến", 6, "Xã Vân Nham"),
            _point("HLU12", "Xã Thanh Sơn", 5, "Xã Thiện Tân"),
            _point("HLU13", "Xã Đồng Tân", 19, "Xã Hữu Lũng"),
            _point("HLU14", "Xã Cai Kinh", 12, "Xã Cai Kinh"),
            _point("HLU15", "Xã Hòa Lạc", 8, "Xã Tân Thành"),
            _point("HLU16", "Xã Vân Nham", 26, "Xã Vân Nham"),
            _point("HLU17", "Xã Đồng Tiến", 11, "Xã Thiện Tân"),
            _point("HLU18", "Xã Tân Thành", 7, "Xã Tân Thành"),
            _point("HLU19", "Xã Hòa Sơn", 3, "Xã Tân Thành"),
            _point("HLU20", "Xã Minh Sơn", 21, "Xã Tuấn Sơn"),
            _point("HLU21", "Xã Hồ Sơn", 2, "Xã Hữu Lũng"),
            _point("HLU22", "Xã Minh Hòa", 1, "Xã Tuấn Sơn"),
            _point("HLU23", "Xã Hòa Thắng", 4, "Xã Tuấn Sơn"),
        ],
    },
    # PGD Chi Lăng: 20 points
    {
        "code": "CLA",
        "name": "Phòng giao dịch NHCSXH huyện Chi Lăng",
        "former_district": "Huyện Chi Lăng",
        "points": [
            _point("CLA01", "Thị trấn Đồng Mỏ", 12, "Xã Chi Lăng"),
            _point("CLA02", "Thị trấn Chi Lăng", 3, "Xã Chi Lăng"),
            _point("CLA03", "Xã Vân An", 26, "Xã Chiến Thắng"),
            _point("CLA04", "Xã Vân Thủy", 19, "Xã Chiến Thắng"),
            _point("CLA05", "Xã Gia Lộc", 24, "Xã Bằng Mạc"),
            _point("CLA06", "Xã Bắc Thủy", 11, "Xã Nhân Lý"),
            _point("CLA07", "Xã Chiến Thắng", 25, "Xã Chiến Thắng"),
            _point("CLA08", "Xã Mai Sao", 1, "Xã Nhân Lý"),
            _point("CLA09", "Xã Bằng Hữu", 27, "Xã Bằng Mạc"),
            _point("CLA10", "Xã Thượng Cường", 16, "Xã Bằng Mạc"),
            _point("CLA11", "Xã Bằng Mạc", 5, "Xã Bằng Mạc"),
            _point("CLA12", "Xã Nhân Lý", 13, "Xã Nhân Lý"),
            _point("CLA13", "Xã Lâm Sơn", 6, "Xã Nhân Lý"),
            _point("CLA14", "Xã Liên Sơn", 8, "Xã Chiến Thắng"),
            _point("CLA15", "Xã Vạn Linh", 4, "Xã Vạn Linh"),
            _point("CLA16", "Xã Hòa Bình", 21, "Xã Vạn Linh"),
            _point("CLA17", "Xã Hữu Kiên", 22, "Xã Quan Sơn"),
            _point("CLA18", "Xã Quan Sơn", 10, "Xã Quan Sơn"),
            _point("CLA19", "Xã Y Tịch", 15, "Xã Vạn Linh"),
            _point("CLA20", "Xã Chi Lăng", 2, "Xã Chi Lăng"),
        ],
    },
    # PGD Cao Lộc: 22 points
    # Several Cao Lộc communes went to wards of the city (Kỳ Lừa, Đông Kinh) or to
    # communes named after Văn Quan places (Khánh Khê, Tân Đoàn).
    {
        "code": "CLO",
        "name": "Phòng giao dịch NHCSXH huyện Cao Lộc",
        "former_district": "Huyện Cao Lộc",
        "points": [
            _point("CLO01", "Thị trấn Đồng Đăng", 19, "Xã Đồng Đăng"),
            _point("CLO02", "Thị trấn Cao Lộc", 7, "Phường Kỳ Lừa"),
            _point("CLO03", "Xã Bảo Lâm", 25, "Xã Đồng Đăng"),
            _point("CLO04", "Xã Thanh Lòa", 21, "Xã Cao Lộc"),
            _point("CLO05", "Xã Cao Lâu", 11, "Xã Ba Sơn"),
            _point("CLO06", "Xã Thạch Đạn", 9, "Xã Cao Lộc"),
            _point("CLO07", "Xã Xuất Lễ", 14, "Xã Ba Sơn"),
            _point("CLO08", "Xã Hồng Phong", 18, "Xã Đồng Đăng"),
            _point("CLO09", "Xã Thụy Hùng", 20, "Xã Đồng Đăng"),
            _point("CLO10", "Xã Lộc Yên", 15, "Xã Cao Lộc"),
            _point("CLO11", "Xã Phú Xá", 13, "Xã Đồng Đăng"),
            _point("CLO12", "Xã Bình Trung", 22, "Xã Khánh Khê"),
            _point("CLO13", "Xã Hải Yến", 24, "Xã Công Sơn"),
            _point("CLO14", "Xã Hòa Cư", 2, "Xã Công Sơn"),
            _point("CLO15", "Xã Hợp Thành", 26, "Phường Kỳ Lừa"),
            _point("CLO16", "Xã Công Sơn", 23, "Xã Công Sơn"),
            _point("CLO17", "Xã Gia Cát", 17, "Phường Kỳ Lừa"),
            _point("CLO18", "Xã Mẫu Sơn", 28, "Xã Ba Sơn"),
            _point("CLO19", "Xã Xuân Long", 10, "Xã Khánh Khê"),
            _point("CLO20", "Xã Tân Liên", 12, "Phường Kỳ Lừa"),
            _point("CLO21", "Xã Yên Trạch", 4, "Phường Đông Kinh"),
            _point("CLO22", "Xã Tân Thành", 3, "Xã Tân Đoàn"),
        ],
    },
    # PGD Lộc Bình: 20 points
    {
        "code": "LBI",
        "name": "Phòng giao dịch NHCSXH huyện Lộc Bình",
        "former_district": "Huyện Lộc Bình",
        "points": [
            _point("LBI01", "Thị trấn Na Dương", 22, "Xã Na Dương"),
            _point("LBI02", "Thị trấn Lộc Bình", 8, "Xã Lộc Bình"),
            _point("LBI03", "Xã Mẫu Sơn", 19, "Xã Mẫu Sơn"),
            _point("LBI04", "Xã Yên Khoái", 23, "Xã Mẫu Sơn"),
            _point("LBI05", "Xã Khánh Xuân", 13, "Xã Lộc Bình"),
            _point("LBI06", "Xã Tú Mịch", 27, "Xã Mẫu Sơn"),
            _point("LBI07", "Xã Hữu Khánh", 14, "Xã Lộc Bình"),
            _point("LBI08", "Xã Đồng Bục", 20, "Xã Lộc Bình"),
            _point("LBI09", "Xã Tam Gia", 28, "Xã Khuất Xá"),
            _point("LBI10", "Xã Tú Đoạn", 2, "Xã Na Dương"),
            _point("LBI11", "Xã Khuất Xá", 24, "Xã Khuất Xá"),
            _point("LBI12", "Xã Thống Nhất", 25, "Xã Thống Nhất"),
            _point("LBI13", "Xã Sàn Viên", 10, "Xã Lợi Bác"),
            _point("LBI14", "Xã Đông Quan", 26, "Xã Na Dương"),
            _point("LBI15", "Xã Minh Hiệp", 4, "Xã Thống Nhất"),
            _point("LBI16", "Xã Hữu Lân", 21, "Xã Thống Nhất"),
            _point("LBI17", "Xã Lợi Bác", 1, "Xã Lợi Bác"),
            _point("LBI18", "Xã Nam Quan", 5, "Xã Xuân Dương"),
            _point("LBI19", "Xã Xuân Dương", 7, "Xã Xuân Dương"),
            _point("LBI20", "Xã Ái Quốc", 17, "Xã Xuân Dương"),
        ],
    },
    # PGD Đình Lập: 12 points
    # mapping approximate: Xã Bính Xá and Xã Kiên Mộc were each split between two
    # new communes (Bính Xá: Đình Lập / Kiên Mộc; Kiên Mộc: Kiên Mộc / Châu Sơn);
    # each point is listed under the main successor.
    {
        "code": "DLA",
        "name": "Phòng giao dịch NHCSXH huyện Đình Lập",
        "former_district": "Huyện Đình Lập",
        "points": [
            _point("DLA01", "Thị trấn Đình Lập", 17, "Xã Đình Lập"),
            _point("DLA02", "Thị trấn Nông trường Thái Bình", 11, "Xã Thái Bình"),
            _point("DLA03", "Xã Bắc Xa", 10, "Xã Kiên Mộc"),
            _point("DLA04", "Xã Bính Xá", 4, "Xã Đình Lập"),
            _point("DLA05", "Xã Kiên Mộc", 21, "Xã Kiên Mộc"),
            _point("DLA06", "Xã Đình Lập", 18, "Xã Đình Lập"),
            _point("DLA07", "Xã Thái Bình", 22, "Xã Thái Bình"),
            _point("DLA08", "Xã Cường Lợi", 9, "Xã Châu Sơn"),
            _point("DLA09", "Xã Châu Sơn", 20, "Xã Châu Sơn"),
            _point("DLA10", "Xã Lâm Ca", 14, "Xã Thái Bình"),
            _point("DLA11", "Xã Đồng Thắng", 16, "Xã Châu Sơn"),
            _point("DLA12", "Xã Bắc Lãng", 26, "Xã Châu Sơn"),
        ],
    },
    # Branch head-office team, Lạng Sơn city: 8 points
    # The city's five wards and three communes, with Cao Lộc's town and four of its
    # communes, were regrouped into the four new wards.
    {
        "code": "TPL",
        "name": "Tổ giao dịch Hội sở tỉnh",
        "former_district": "Thành phố Lạng Sơn",
        "points": [
            _point("TPL01", "Phường Hoàng Văn Thụ", 25, "Phường Kỳ Lừa"),
            _point("TPL02", "Phường Tam Thanh", 27, "Phường Tam Thanh"),
            _point("TPL03", "Phường Vĩnh Trại", 22, "Phường Đông Kinh"),
            _point("TPL04", "Phường Đông Kinh", 20, "Phường Đông Kinh"),
            _point("TPL05", "Phường Chi Lăng", 4, "Phường Lương Văn Tri"),
            _point("TPL06", "Xã Hoàng Đồng", 2, "Phường Tam Thanh"),
            _point("TPL07", "Xã Quảng Lạc", 15, "Phường Lương Văn Tri"),
            _point("TPL08", "Xã Mai Pha", 24, "Phường Đông Kinh"),
        ],
    },
]

# ---------------------------------------------------------------------------
# Entrusting associations (hội đoàn thể nhận ủy thác)
# ---------------------------------------------------------------------------

ASSOCIATIONS: list[tuple[str, str]] = [
    ("farmers", "Hội Nông dân"),
    ("women", "Hội Liên hiệp Phụ nữ"),
    ("veterans", "Hội Cựu chiến binh"),
    ("youth", "Đoàn Thanh niên"),
]

# ---------------------------------------------------------------------------
# Name material for synthetic demo borrowers
# ---------------------------------------------------------------------------

# Surnames by ethnic group, most common first. Keys are names from ETHNICITIES.
SURNAMES: dict[str, list[str]] = {
    "Nùng": [
        "Hoàng",
        "Nông",
        "Lương",
        "Lăng",
        "Vi",
        "Chu",
        "Lộc",
        "Mông",
        "Triệu",
        "Hứa",
        "Lý",
        "Mã",
        "Tô",
        "Hà",
        "Lục",
        "Dương",
        "Nịnh",
        "Lành",
        "Sầm",
        "Vy",
    ],
    "Tày": [
        "Hoàng",
        "Nông",
        "Hà",
        "Lương",
        "Vi",
        "Lộc",
        "Đinh",
        "Chu",
        "Triệu",
        "Lăng",
        "Bế",
        "Ma",
        "Đàm",
        "Lâm",
        "La",
        "Nguyễn",
        "Lý",
        "Tô",
        "Mông",
        "Dương",
    ],
    "Kinh": [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Vũ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Ngô",
        "Dương",
        "Lý",
        "Phan",
        "Đinh",
        "Trịnh",
        "Đào",
        "Mai",
        "Tạ",
    ],
    "Dao": ["Triệu", "Bàn", "Lý", "Đặng", "Phùn", "Chìu", "Tằng", "Dương", "Hoàng", "Phùng"],
    "Sán Chay": ["Hoàng", "Lâm", "Ninh", "Trương", "Lý", "Dương", "Sầm", "La"],
    "Hoa": ["Lý", "Trương", "Hoàng", "Lâm", "Dương", "Tạ", "Mạc", "Lục", "Hà", "Vương"],
    "Mông": ["Giàng", "Vàng", "Sùng", "Thào", "Lầu", "Lý", "Hầu", "Mùa", "Vừ", "Hạng"],
}

MIDDLE_NAMES_MALE: list[str] = [
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Thanh",
    "Xuân",
    "Ngọc",
    "Công",
    "Đình",
    "Tiến",
    "Mạnh",
    "Trung",
    "Hồng",
    "Quốc",
]

MIDDLE_NAMES_FEMALE: list[str] = [
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Hồng",
    "Kim",
    "Minh",
    "Bích",
    "Hải",
    "Phương",
    "Xuân",
    "Mai",
]

GIVEN_NAMES_MALE: list[str] = [
    "An",
    "Bình",
    "Cường",
    "Chiến",
    "Dũng",
    "Đạt",
    "Đông",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khánh",
    "Kiên",
    "Lâm",
    "Long",
    "Lực",
    "Mạnh",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Thiện",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Vượng",
    "Sang",
]

GIVEN_NAMES_FEMALE: list[str] = [
    "Anh",
    "Bích",
    "Chi",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Lụa",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Sen",
    "Thảo",
    "Thơm",
    "Thủy",
    "Trang",
    "Tuyết",
    "Vân",
    "Xuân",
    "Yến",
    "Mến",
]

# Ethnic composition used to draw demo borrowers (weight in percent, sums to 100). Rounded
# from Lạng Sơn's population: Nùng ~42%, Tày ~35%, Kinh ~16%, Dao ~3.5%, others small.
ETHNIC_MIX_LANG_SON: list[tuple[str, float]] = [
    ("Nùng", 42.0),
    ("Tày", 35.3),
    ("Kinh", 16.0),
    ("Dao", 3.5),
    ("Sán Chay", 1.5),
    ("Hoa", 1.2),
    ("Mông", 0.5),
]

VILLAGE_PREFIXES: list[str] = ["Thôn", "Bản", "Khu"]

# Plausible village names of the Tày-Nùng uplands (Nà = paddy field, Pác = mouth of a stream,
# Khuổi = stream, Còn = hill, Pò = slope, Bó = spring, Lũng = valley, Kéo = pass).
VILLAGE_NAMES: list[str] = [
    "Nà Lầu",
    "Pác Mòng",
    "Khuổi Slẩy",
    "Bản Chành",
    "Nà Pàn",
    "Còn Quan",
    "Nà Sla",
    "Pò Mã",
    "Khuổi Phầy",
    "Nà Rạo",
    "Bản Thẩu",
    "Pác Khuông",
    "Nà Hin",
    "Khòn Pụt",
    "Nà Thưa",
    "Bó Củng",
    "Lũng Vài",
    "Nà Danh",
    "Pắc Cáy",
    "Bản Piàng",
    "Nà Pả",
    "Khuổi Khỉn",
    "Kéo Coong",
    "Phai Dài",
    "Nà Cưởm",
    "Còn Chuông",
    "Bản Nầng",
    "Nà Mạ",
    "Pàn Pè",
    "Khuổi Cáp",
    "Nà Tồng",
    "Bản Rị",
    "Pò Lọi",
    "Nà Lang",
    "Khau Ràng",
    "Tát Uẩn",
    "Nà Pái",
    "Bản Vẻn",
    "Lũng Cuông",
    "Nà Tâm",
    "Pác Cáp",
    "Khuổi Luông",
    "Nà Nưa",
    "Còn Nưa",
    "Nà Khoang",
    "Pò Nhùng",
    "Khuổi Hẩu",
    "Bó Pia",
    "Lũng Phầy",
    "Kéo Kham",
    "Nà Làng",
    "Bản Kéo",
    "Pác Lạn",
    "Khuổi Tát",
    "Còn Keo",
    "Nà Phặc",
    "Pò Đon",
    "Bản Đồn",
    "Nà Kéo",
    "Khuổi Mươi",
    "Đồng Tâm",
    "Tân Lập",
    "Hợp Tiến",
    "Phố Mới",
    "Đồng Bành",
    "Thống Nhất",
]


if __name__ == "__main__":
    import unicodedata
    from collections import Counter

    assert len(ETHNICITIES) == 54
    assert [c for c, _ in ETHNICITIES] == [f"{i:02d}" for i in range(1, 55)]
    assert len({n for _, n in ETHNICITIES}) == 54
    assert ETHNICITIES[0] == (KINH_CODE, "Kinh")

    points = [p for office in OFFICES for p in office["points"]]
    assert len(OFFICES) == 11
    assert len(points) == 194
    office_codes = [o["code"] for o in OFFICES]
    point_codes = [p["code"] for p in points]
    assert len(set(office_codes)) == len(office_codes)
    assert len(set(point_codes)) == len(point_codes)
    assert len({(o["former_district"], p["commune"]) for o in OFFICES for p in o["points"]}) == 194
    assert all(1 <= p["session_day"] <= 28 for p in points)
    for office in OFFICES:
        days = [p["session_day"] for p in office["points"]]
        assert len(set(days)) == len(days), office["code"]
    khang_chien = next(p for p in points if p["commune"] == "Xã Kháng Chiến")
    assert khang_chien["session_day"] == 21
    current = {p["current_commune"] for p in points}

    ethnic_names = {n for _, n in ETHNICITIES}
    assert set(SURNAMES) <= ethnic_names
    assert {n for n, _ in ETHNIC_MIX_LANG_SON} <= set(SURNAMES)
    assert abs(sum(w for _, w in ETHNIC_MIX_LANG_SON) - 100) < 1e-9
    assert len(GIVEN_NAMES_MALE) >= 30 and len(GIVEN_NAMES_FEMALE) >= 30
    assert len(set(GIVEN_NAMES_MALE)) == len(GIVEN_NAMES_MALE)
    assert len(set(GIVEN_NAMES_FEMALE)) == len(GIVEN_NAMES_FEMALE)
    assert len(VILLAGE_NAMES) >= 60 and len(set(VILLAGE_NAMES)) == len(VILLAGE_NAMES)

    def _strings(obj):
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for v in obj.values():
                yield from _strings(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                yield from _strings(v)

    everything = [ETHNICITIES, BRANCH, OFFICES, ASSOCIATIONS, SURNAMES, MIDDLE_NAMES_MALE]
    everything += [MIDDLE_NAMES_FEMALE, GIVEN_NAMES_MALE, GIVEN_NAMES_FEMALE, VILLAGE_NAMES]
    assert all(unicodedata.is_normalized("NFC", s) for s in _strings(everything))

    print(f"ethnicities: {len(ETHNICITIES)}")
    print(f"offices: {len(OFFICES)}")
    for office in OFFICES:
        print(f"  {office['code']} {office['name']}: {len(office['points'])} points")
    print(f"points: {len(points)}")
    print(f"current communes/wards: {len(current)}")
    print(f"busiest session days: {Counter(p['session_day'] for p in points).most_common(3)}")
    print(f"surname groups: {len(SURNAMES)}, villages: {len(VILLAGE_NAMES)}")
