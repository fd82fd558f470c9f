"""Training guides (tập huấn), one per role: what to do, in order, with screenshots of the real pages.

The text is content in Vietnamese (the language of the schools), kept here as data so the page
and the printable PDF (Typst, ``typst/guide.typ``) say the same thing. The screenshots are taken
by the browser test ``tests/e2e/test_guide_screenshots.py`` from the test world's pages and kept
in ``static/guides/`` (``make guides`` refreshes them); a step names its picture, and the test
fails when a picture named here is not produced.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typst

from hocbaso.core import clock
from hocbaso.directory import roles
from hocbaso.directory.models import Role

HERE = Path(__file__).parent
SCREENSHOTS = HERE / "static" / "guides"
TEMPLATE = HERE / "typst" / "guide.typ"


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    screenshot: str = ""  # a file of static/guides/, taken by the browser test

    @property
    def picture(self) -> str:
        """The screenshot's static path when the file is there ("" before ``make guides`` made it)."""
        return f"guides/{self.screenshot}" if self.screenshot and (SCREENSHOTS / self.screenshot).is_file() else ""


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    audience: str
    steps: list[Step] = field(default_factory=list)

    @property
    def screenshots(self) -> list[str]:
        return [step.screenshot for step in self.steps if step.screenshot]


_SIGN_IN = Step(
    "Đăng nhập",
    "Mở trang Học bạ số của tỉnh, nhập tên đăng nhập và mật khẩu nhà trường cấp. Người ký học bạ và cán bộ "
    "quản lý nhập thêm sáu chữ số từ ứng dụng xác thực trên điện thoại (lần đầu: quét mã QR để cài ứng dụng, "
    "giữ kỹ mười mã dự phòng). Trang chủ liệt kê những việc bạn cần làm.",
)

GUIDES: dict[str, Guide] = {
    guide.slug: guide
    for guide in [
        Guide(
            "homeroom",
            "Giáo viên chủ nhiệm",
            "Giáo viên chủ nhiệm lớp",
            [
                Step(_SIGN_IN.title, _SIGN_IN.text, "homeroom-home.png"),
                Step(
                    "Nhập đánh giá của lớp",
                    "Lớp của tôi → chọn lớp → Nhập đánh giá. Chọn kỳ (GHK1, CHK1, GHK2, CN) đang mở. Gõ T, H, C "
                    "cho mức đạt được, điểm 0-10 cho bài kiểm tra định kì; phím mũi tên và Enter để di chuyển. Mỗi ô "
                    "được lưu khi rời ô (✓ Đã lưu) hoặc báo lý do không nhận.",
                    "homeroom-grid.png",
                ),
                Step(
                    "Nhập từ bảng tính (nếu cần)",
                    "Nhập từ bảng tính → tải mẫu của lớp, điền, tải lên. Hệ thống kiểm tra toàn bộ tệp trước khi "
                    "lưu: có lỗi thì không lưu gì và chỉ rõ ô sai.",
                ),
                Step(
                    "Trang cuối năm và kết quả",
                    "Trang năm học: số ngày nghỉ, chiều cao, cân nặng, nhận xét chung cho cả lớp trên một màn hình. "
                    "Kết quả cuối năm: HTXS, HTT, HT, CHT theo Thông tư 27; khen thưởng.",
                ),
                Step(
                    "Ký học bạ",
                    "Chờ tôi ký → xem lại cả lớp → ký một lần bằng chứng thư số cá nhân. Sau đó hiệu trưởng ký, "
                    "cuối cùng nhà trường đóng dấu số.",
                ),
            ],
        ),
        Guide(
            "teacher",
            "Giáo viên bộ môn",
            "Giáo viên dạy môn học ở các lớp",
            [
                Step(_SIGN_IN.title, _SIGN_IN.text, "teacher-home.png"),
                Step(
                    "Nhập đánh giá môn mình dạy",
                    "Chọn lớp → Nhập đánh giá. Chỉ các cột của môn bạn dạy mở để nhập; các cột khác chỉ xem. "
                    "Nhập trong thời gian nhà trường mở kỳ nhập liệu.",
                    "teacher-grid.png",
                ),
                Step(
                    "Khi nhập sai",
                    "Sửa ngay trong kỳ đang mở. Khi kỳ đã khóa, báo giáo viên chủ nhiệm hoặc hiệu trưởng để mở lại.",
                ),
            ],
        ),
        Guide(
            "principal",
            "Hiệu trưởng, phó hiệu trưởng",
            "Hiệu trưởng và phó hiệu trưởng (ký “KT. Hiệu trưởng”)",
            [
                Step(_SIGN_IN.title, _SIGN_IN.text, "principal-home.png"),
                Step(
                    "Khai báo điều kiện triển khai",
                    "Sẵn sàng triển khai → trường mình → Khai báo: số máy tính, kết nối internet, số cán bộ giáo "
                    "viên, số người có chứng thư số cá nhân, số người đã tập huấn, năm nay làm học bạ số hay học bạ "
                    "giấy. Cập nhật mỗi khi điều kiện thay đổi: mọi lần khai đều được lưu lại.",
                    "principal-readiness.png",
                ),
                Step(
                    "Phân công và mở kỳ nhập liệu",
                    "Lớp học và cán bộ: phân công giáo viên chủ nhiệm, giáo viên bộ môn, văn thư. Khóa/mở nhập liệu "
                    "theo từng kỳ đánh giá.",
                ),
                Step(
                    "Ký học bạ",
                    "Chờ tôi ký: sau giáo viên chủ nhiệm, xem lại rồi ký cả lớp hoặc cả trường một lần.",
                ),
                Step(
                    "Kiểm tra, hỗ trợ",
                    "Kiểm tra, hỗ trợ: xem biên bản các lần kiểm tra về trường và việc cần làm. Khi đã làm xong, "
                    "bấm “Đã thực hiện” và ghi rõ đã làm gì; cán bộ kiểm tra xác nhận hoặc mở lại.",
                    "principal-follow-up.png",
                ),
            ],
        ),
        Guide(
            "clerk",
            "Văn thư, cán bộ quản lý trường",
            "Văn thư nhà trường",
            [
                Step(_SIGN_IN.title, _SIGN_IN.text, "clerk-home.png"),
                Step(
                    "Giữ danh sách học sinh",
                    "Lớp học và cán bộ → Thêm học sinh, xếp lớp. Mã định danh cá nhân 12 chữ số; nếu không khớp giới "
                    "tính hoặc năm sinh, hệ thống chỉ cảnh báo để kiểm tra lại.",
                    "clerk-school.png",
                ),
                Step(
                    "Đóng dấu số của trường",
                    "Sau chữ ký của hiệu trưởng: Chờ tôi ký → đóng dấu số (chứng thư số của tổ chức) để phát hành "
                    "học bạ.",
                ),
                Step(
                    "Thư kích hoạt cho gia đình",
                    "Thư kích hoạt gửi gia đình: in thư theo lớp; mỗi thư một mã dùng một lần.",
                ),
            ],
        ),
        Guide(
            "officer",
            "Cán bộ Sở, Phòng, xã/phường",
            "Chuyên viên Sở GDĐT, cán bộ xã/phường (và Phòng GDĐT cho các năm trước 1/7/2025)",
            [
                Step(_SIGN_IN.title, _SIGN_IN.text),
                Step(
                    "Theo dõi điều kiện của các trường",
                    "Sẵn sàng triển khai: chọn năm học; bảng tổng hợp theo tỉnh → xã/phường → trường (năm học trước "
                    "1/7/2025 theo huyện cũ): số trường đã khai, chưa khai, học bạ số hay giấy, máy tính, chứng thư "
                    "số, tập huấn. Cán bộ chỉ xem số liệu, không xem dữ liệu của học sinh.",
                    "officer-readiness.png",
                ),
                Step(
                    "Ghi biên bản kiểm tra, hỗ trợ",
                    "Kiểm tra, hỗ trợ → Ghi biên bản: trường, ngày kiểm tra (không sau hôm nay, không quá 30 ngày "
                    "trước), nhận xét, các việc trường cần làm và hạn. Biên bản không sửa âm thầm: sửa nhận xét phải "
                    "ghi lý do và bản cũ được giữ lại.",
                    "officer-visit.png",
                ),
                Step(
                    "Theo dõi việc cần làm",
                    "Danh sách việc chưa xong theo trường, việc quá hạn. Khi trường báo đã làm: xác nhận, hoặc mở lại "
                    "kèm lý do.",
                ),
            ],
        ),
        Guide(
            "family",
            "Cha mẹ học sinh",
            "Cha mẹ hoặc người giám hộ",
            [
                Step(
                    "Kích hoạt bằng thư của nhà trường",
                    "Quét mã QR trên thư nhà trường gửi, hoặc mở trang kích hoạt; nhập mã trên thư và ngày sinh của "
                    "con. Hoàn toàn miễn phí.",
                ),
                Step(
                    "Đăng nhập",
                    "Trang đăng nhập dành cho gia đình: tên đăng nhập và mật khẩu đã tạo khi kích hoạt.",
                    "family-login.png",
                ),
                Step(
                    "Xem, tải và chia sẻ học bạ",
                    "Trang của con: từng năm học đã phát hành, Tải PDF / Tải XML và kết quả xác minh. Chia sẻ năm học: "
                    "chọn năm, thời hạn, mã PIN; thu hồi bất cứ lúc nào.",
                ),
            ],
        ),
    ]
}

_BY_ROLE = {
    Role.PRINCIPAL: "principal",
    Role.VICE_PRINCIPAL: "principal",
    Role.CLERK: "clerk",
    Role.HOMEROOM_TEACHER: "homeroom",
    Role.SUBJECT_TEACHER: "teacher",
    Role.UNIT_OFFICER: "officer",
}
_ORDER = [
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.UNIT_OFFICER,
    Role.CLERK,
    Role.HOMEROOM_TEACHER,
    Role.SUBJECT_TEACHER,
]


def role_of(user: Any) -> str:
    """The guide for ``user``: their weightiest running appointment's, the officer's for the
    operator, the family's for a signed-in person without a staff profile (a guardian)."""
    if roles.is_operator(user):
        return "officer"
    staff = roles.staff_of(user)
    if staff is None:
        return "family"
    held = set(staff.appointments.active_on(clock.today()).values_list("role", flat=True))
    for role in _ORDER:
        if role in held:
            return _BY_ROLE[role]
    return "homeroom"


_local = threading.local()


def render_pdf(guide: Guide) -> bytes:
    """The printable guide (A4), from the same steps as the page, with the screenshots kept."""
    data = {
        "title": guide.title,
        "audience": guide.audience,
        "printed": clock.today().strftime("%d/%m/%Y"),
        "steps": [
            {
                "title": step.title,
                "text": step.text,
                "image": f"/static/{step.picture}" if step.picture else "",
            }
            for step in guide.steps
        ],
    }
    compiler = _local.__dict__.get("compiler")
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(str(TEMPLATE), root=str(HERE), ignore_system_fonts=True)
    pdf = compiler.compile(format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    assert isinstance(pdf, bytes)
    return pdf
