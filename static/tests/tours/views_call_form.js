import { registry } from "@web/core/registry";

// A Russian rep reads two calls of theirs: the line by its name, themselves by name, the
// customer's number as written, no SIP address, no technical tab, no talk time when missed.
registry.category("web_tour.tours").add("mango_office_views_call_form", {
    steps: () => [
        {
            trigger:
                ".o_data_row:contains('+380 67 123 4567') td[name=talk_time]:contains('00:00:42')",
        },
        {
            content: "the missed call has no talk time in the list",
            trigger:
                ".o_data_row:contains('+7 903 555-66-77') td[name=talk_time]:not(:contains(':'))",
        },
        {
            content: "open the answered call",
            trigger: ".o_data_row:contains('+380 67 123 4567') td[name=start_date]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_label:contains('Линия')",
        },
        {
            trigger: ".o_field_widget[name=line_display]:contains('Москва · +7 495 123-45-67')",
        },
        {
            trigger: ".o_field_widget[name=number_display]:contains('+380 67 123 4567')",
        },
        {
            trigger: ".o_field_widget[name=user_id]:contains('Борис Иванов')",
        },
        {
            trigger: ".o_field_widget[name=talk_time]:contains('00:00:42')",
        },
        {
            trigger: ".o_field_widget[name=state]:contains('Отвечен')",
        },
        {
            content: "nothing raw, no technical tab",
            trigger:
                ".o_form_sheet:not(:contains('sip:')):not(:contains('380671234567'))" +
                ":not(:contains('74951234567')):not(:contains('Технические данные'))" +
                ":not(:contains('Плечи звонка'))",
        },
        {
            trigger: ".breadcrumb-item a",
            run: "click",
        },
        {
            content: "open the missed call",
            trigger: ".o_data_row:contains('+7 903 555-66-77') td[name=start_date]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=state]:contains('Пропущен')",
        },
        {
            content: "a missed call has no talk time",
            trigger:
                ".o_form_sheet:has(.o_field_widget[name=line_display])" +
                ":not(:has(.o_field_widget[name=talk_time])):not(:contains('00:00:00'))",
        },
    ],
});
